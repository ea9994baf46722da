// SPDX-License-Identifier: MIT
// What every page shares: the API key (asked once, kept in sessionStorage
// for the tab), fetch with the key, the page's status for people and for
// the browser test (body[data-status]: "loading", "ok", or "error: ...";
// a JavaScript error or a failed request sets it), and small helpers.
'use strict';

const sp = {
  pending: 0,
  failed: null,

  key() { return sessionStorage.getItem('skillpath-key') || ''; },

  headers(extra) {
    const h = Object.assign({ Accept: 'application/json' }, extra || {});
    const k = sp.key();
    if (k) h.Authorization = 'Bearer ' + k;
    return h;
  },

  setStatus(s) {
    document.body.dataset.status = s;
    const el = document.getElementById('status');
    if (el) el.textContent = s === 'ok' ? '' : s;
  },

  fail(msg) {
    sp.failed = sp.failed || msg;
    sp.setStatus('error: ' + sp.failed);
  },

  // GET a JSON resource; a 401/403 asks for the key and tries again once.
  async get(path) {
    sp.pending++;
    try {
      let r = await fetch(path, { headers: sp.headers() });
      if ((r.status === 401 || r.status === 403) && sp.askKey()) {
        r = await fetch(path, { headers: sp.headers() });
      }
      const body = await r.json().catch(() => ({}));
      if (!r.ok) throw new Error(path + ': ' + r.status + ' ' + (body.message || ''));
      return body;
    } catch (e) {
      sp.fail(e.message);
      throw e;
    } finally {
      sp.pending--;
    }
  },

  // A CSV download through fetch, so the key goes with it.
  async download(path, name) {
    const r = await fetch(path, { headers: sp.headers({ Accept: 'text/csv' }) });
    if (!r.ok) { sp.fail(path + ': ' + r.status); return; }
    const url = URL.createObjectURL(await r.blob());
    const a = document.createElement('a');
    a.href = url; a.download = name;
    document.body.appendChild(a); a.click(); a.remove();
    URL.revokeObjectURL(url);
  },

  askKey() {
    const k = window.prompt('API key (app scope) for this daemon:');
    if (!k) return false;
    sessionStorage.setItem('skillpath-key', k.trim());
    return true;
  },

  el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v; else if (k.startsWith('data-')) e.setAttribute(k, v); else e[k] = v;
    }
    for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
    return e;
  },

  pct(x) { return (100 * x).toFixed(0) + '%'; },
  num(x, d) { return Number(x || 0).toFixed(d === undefined ? 2 : d); },
  tiers: ['NEW_HIRE', 'CORE_STAFF', 'MANAGER'],
  tierLabel: { NEW_HIRE: '新员工 New hire', CORE_STAFF: '骨干 Core staff', MANAGER: '管理者 Manager' },

  // A colour for a value in [0,1]: pale to deep blue.
  shade(v) {
    const x = Math.max(0, Math.min(1, v));
    return 'hsl(212, 70%, ' + (95 - 55 * x).toFixed(0) + '%)';
  },
};

window.addEventListener('error', (e) => sp.fail('script: ' + e.message));
window.addEventListener('unhandledrejection', (e) => sp.fail('script: ' + (e.reason && e.reason.message || e.reason)));
