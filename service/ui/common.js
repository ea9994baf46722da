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

  // A JSON request; a 401/403 asks for the key and tries again once. A
  // failure sets the page's status, unless its status is in `quiet` (then
  // the answer is null: e.g. a course gone from the catalog).
  async request(method, path, body, quiet) {
    sp.pending++;
    try {
      const go = () => fetch(path, { method, headers: sp.headers(body ? { 'Content-Type': 'application/json' } : {}),
                                     body: body ? JSON.stringify(body) : undefined });
      let r = await go();
      if ((r.status === 401 || r.status === 403) && sp.askKey()) r = await go();
      if (quiet && quiet.includes(r.status)) return null;
      const reply = await r.json().catch(() => ({}));
      if (!r.ok) throw new Error(path + ': ' + r.status + ' ' + (reply.message || ''));
      return reply;
    } catch (e) {
      sp.fail(e.message);
      throw e;
    } finally {
      sp.pending--;
    }
  },
  get(path, quiet) { return sp.request('GET', path, null, quiet); },
  post(path, body, quiet) { return sp.request('POST', path, body, quiet); },

  // The catalog in brief (tags, targets, module names), fetched once.
  catalog() {
    if (!sp.catalogP) sp.catalogP = sp.get('/v1/catalog');
    return sp.catalogP;
  },
  moduleName(cat, id) {
    const m = (cat.moduleList || []).find((x) => x.id === id);
    return m ? m.name + (m.nameEn ? ' ' + m.nameEn : '') : id;
  },
  // A colour per module, in the catalog's module order.
  moduleColour(cat, id) {
    const i = (cat.modules || []).indexOf(id);
    const hues = [212, 28, 140, 280, 350, 190, 55, 100];
    return i < 0 ? '#9aa5b1' : 'hsl(' + hues[i % hues.length] + ', 62%, 52%)';
  },

  // A Server-Sent Events stream: EventSource, or — since EventSource cannot
  // send a key — fetch reading the stream when the tab has one. onEvent(type,
  // data, id) per event; reconnects after a dropped stream like EventSource.
  stream(path, onEvent) {
    if (!sp.key()) {
      const es = new EventSource(path);
      es.addEventListener('next', (e) => onEvent('next', e.data, e.lastEventId));
      return;
    }
    const run = async () => {
      const r = await fetch(path, { headers: sp.headers({ Accept: 'text/event-stream' }) });
      if (!r.ok) throw new Error(path + ': ' + r.status);
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
        let end;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const ev = { event: 'message', data: [], id: '' };
          for (const line of text.slice(0, end).split('\n')) {
            const c = line.indexOf(':');
            if (c === 0) continue;                       // a comment (ping)
            const f = c < 0 ? line : line.slice(0, c), v = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
            if (f === 'event') ev.event = v; else if (f === 'data') ev.data.push(v); else if (f === 'id') ev.id = v;
          }
          text = text.slice(end + 2);
          if (ev.data.length) onEvent(ev.event, ev.data.join('\n'), ev.id);
        }
      }
    };
    const again = () => run().then(() => setTimeout(again, 2000),
                                   (e) => { sp.fail(e.message); setTimeout(again, 5000); });
    again();
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

  // Fill table `id`: a header row (a string, or {t, num} for a number
  // column) and rows of cells (nodes, numbers right-aligned, or text);
  // data-rows says how many, for the browser test.
  table(id, head, rows) {
    const t = document.getElementById(id);
    t.replaceChildren(sp.el('tr', {}, ...head.map((h) => sp.el('th', { class: h.num ? 'num' : '' }, h.t || h))),
                      ...rows.map((r) => sp.el('tr', {}, ...r.map((c) => c instanceof Node ? sp.el('td', {}, c)
                        : sp.el('td', { class: typeof c === 'number' ? 'num' : '' }, c)))));
    t.dataset.rows = rows.length;
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

  reasonLabel: { GAP: '缺口 gap', PREREQUISITE: '先修 prerequisite', REVIEW: '复习 review',
                 RETAKE: '重修 retake', PRACTICE: '练习 practice' },
  statusLabel: { IN_PROGRESS: '进行中 in progress', TARGET_REACHED: '已达标 target reached',
                 NOTHING_LEFT: '无可学 nothing left', BUDGET_TOO_SMALL: '时间不足 budget too small',
                 NO_TARGET: '无目标 no target' },
  date(unix) { return new Date(Number(unix) * 1000).toLocaleString(); },

  // A colour for a value in [0,1]: pale to deep blue.
  shade(v) {
    const x = Math.max(0, Math.min(1, v));
    return 'hsl(212, 70%, ' + (95 - 55 * x).toFixed(0) + '%)';
  },
};

window.addEventListener('error', (e) => sp.fail('script: ' + e.message));
window.addEventListener('unhandledrejection', (e) => sp.fail('script: ' + (e.reason && e.reason.message || e.reason)));
