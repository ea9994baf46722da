#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Drives headless Chromium for the web UI's tests over the DevTools
// protocol on a pipe (--remote-debugging-pipe: fd 3 in, fd 4 out, messages
// ended by NUL), so no WebSocket client and no npm package is needed.
//
// usage: browse.js STEP...   steps run in order:
//   size WxH       the viewport (CSS pixels; phone widths get a touch screen's scale 1)
//   open URL       navigate and wait for the load event
//   wait JS        re-evaluate the expression until it is truthy (bounded by --deadline)
//   eval JS        print the expression's value (JSON) on a line of its own
//   dom FILE       write the page's HTML as it is now
//   shot FILE      a PNG of the whole page (not only the viewport)
//   sh CMD         run a shell command; it must exit 0
//   key TEXT       answer the page's next prompt() with TEXT
// The run fails (exit 1, each problem on stderr) on an uncaught exception, a
// console error, a request that fails or answers >= 400 (unless the URL
// contains one of --allow's strings), a step that fails, or a wait that runs
// past the deadline. The deadline only bounds a hang: waits re-check their
// condition, they never sleep a fixed time before it.
'use strict';
const { spawn, execSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

let deadlineS = 120;
let chrome = process.env.CHROMIUM || 'chromium';
const allow = [];
const steps = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--deadline') deadlineS = Number(argv[++i]);
  else if (a === '--chrome') chrome = argv[++i];
  else if (a === '--allow') allow.push(argv[++i]);
  else if (['size', 'open', 'wait', 'eval', 'dom', 'shot', 'sh', 'key'].includes(a)) steps.push([a, argv[++i]]);
  else { console.error('browse.js: unknown step ' + a); process.exit(2); }
}

const problems = [];
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'browse-'));
const proc = spawn(chrome, ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--hide-scrollbars', '--no-first-run', '--remote-debugging-pipe', '--user-data-dir=' + profile, 'about:blank'],
{ stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
let chromeLog = '';
proc.stderr.on('data', (d) => { chromeLog = (chromeLog + d).slice(-4000); });
const toChrome = proc.stdio[3];
const fromChrome = proc.stdio[4];

let nextId = 1;
const waiting = new Map();
const listeners = [];
let buf = Buffer.alloc(0);
fromChrome.on('data', (d) => {
  buf = Buffer.concat([buf, d]);
  let end;
  while ((end = buf.indexOf(0)) >= 0) {
    const msg = JSON.parse(buf.subarray(0, end).toString('utf8'));
    buf = buf.subarray(end + 1);
    if (msg.id && waiting.has(msg.id)) {
      const { ok, fail } = waiting.get(msg.id);
      waiting.delete(msg.id);
      if (msg.error) fail(new Error(msg.error.message)); else ok(msg.result);
    } else if (msg.method) {
      for (const l of listeners) l(msg);
    }
  }
});

function send(method, params, sessionId) {
  const id = nextId++;
  const msg = { id, method, params: params || {} };
  if (sessionId) msg.sessionId = sessionId;
  return new Promise((ok, fail) => {
    waiting.set(id, { ok, fail });
    toChrome.write(JSON.stringify(msg) + '\0');
  });
}

function allowed(url) { return allow.some((s) => url.includes(s)); }

const deadline = Date.now() + deadlineS * 1000;
function left() {
  const ms = deadline - Date.now();
  if (ms <= 0) throw new Error('deadline of ' + deadlineS + ' s passed');
  return ms;
}
function until(pred, what) {
  return new Promise((ok, fail) => {
    const l = (m) => { if (pred(m)) { listeners.splice(listeners.indexOf(l), 1); clearTimeout(t); ok(m); } };
    const t = setTimeout(() => { listeners.splice(listeners.indexOf(l), 1); fail(new Error('no ' + what + ' before the deadline')); }, left());
    listeners.push(l);
  });
}

async function main() {
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId: s } = await send('Target.attachToTarget', { targetId, flatten: true });
  const S = (m, p) => send(m, p, s);
  let promptText = null;
  const urls = new Map();
  listeners.push((m) => {
    if (m.sessionId !== s) return;
    const p = m.params;
    if (m.method === 'Runtime.exceptionThrown') {
      const d = p.exceptionDetails;
      problems.push('uncaught: ' + ((d.exception && d.exception.description) || d.text));
    } else if (m.method === 'Runtime.consoleAPICalled' && p.type === 'error') {
      problems.push('console.error: ' + p.args.map((a) => a.value !== undefined ? a.value : a.description).join(' '));
    } else if (m.method === 'Network.responseReceived' && p.response.status >= 400 && !allowed(p.response.url)) {
      problems.push('HTTP ' + p.response.status + ': ' + p.response.url);
    } else if (m.method === 'Network.requestWillBeSent') {
      urls.set(p.requestId, p.request.url);
    } else if (m.method === 'Network.loadingFailed' && !p.canceled && !allowed(urls.get(p.requestId) || '')) {
      problems.push('request failed: ' + p.errorText + ': ' + urls.get(p.requestId));
    } else if (m.method === 'Page.javascriptDialogOpening') {
      S('Page.handleJavaScriptDialog', { accept: promptText !== null, promptText: promptText || '' });
      if (promptText === null) problems.push('unexpected dialog: ' + p.message);
      promptText = null;
    }
  });
  await Promise.all([S('Page.enable'), S('Runtime.enable'), S('Network.enable')]);
  let width = 1280, height = 900;
  const metrics = (h) => S('Emulation.setDeviceMetricsOverride', { width, height: h || height, deviceScaleFactor: 1, mobile: width < 600 });
  await metrics();

  const evaluate = async (expr) => {
    const r = await S('Runtime.evaluate', { expression: expr, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error('evaluating ' + expr + ': ' + (r.exceptionDetails.exception ? r.exceptionDetails.exception.description : r.exceptionDetails.text));
    return r.result.value;
  };

  for (const [step, arg] of steps) {
    left();
    if (step === 'size') {
      [width, height] = arg.split('x').map(Number);
      await metrics();
    } else if (step === 'open') {
      const loaded = until((m) => m.sessionId === s && m.method === 'Page.loadEventFired', 'load event of ' + arg);
      const r = await S('Page.navigate', { url: arg });
      if (r.errorText) throw new Error('open ' + arg + ': ' + r.errorText);
      await loaded;
    } else if (step === 'wait') {
      for (;;) {
        if (await evaluate(arg)) break;
        if (Date.now() > deadline) throw new Error('wait: still false at the deadline: ' + arg);
        await new Promise((ok) => setTimeout(ok, 50));
      }
    } else if (step === 'eval') {
      console.log(JSON.stringify(await evaluate(arg)));
    } else if (step === 'dom') {
      fs.writeFileSync(arg, await evaluate('document.documentElement.outerHTML'));
    } else if (step === 'shot') {
      const full = await evaluate('Math.ceil(document.documentElement.scrollHeight)');
      await metrics(Math.min(Math.max(full, height), 6000));
      const { data } = await S('Page.captureScreenshot', { format: 'png', captureBeyondViewport: false });
      fs.writeFileSync(arg, Buffer.from(data, 'base64'));
      await metrics();
    } else if (step === 'sh') {
      try { execSync(arg, { stdio: ['ignore', 'inherit', 'inherit'], timeout: left() }); } catch (e) {
        throw new Error('sh failed (' + (e.status === null ? e.signal : 'exit ' + e.status) + '): ' + arg);
      }
    } else if (step === 'key') {
      promptText = arg;
    }
  }
}

let finishing = false;
function finish(code) {
  finishing = true;
  const rm = () => {
    try { fs.rmSync(profile, { recursive: true, force: true }); } catch (e) { /* chromium's leftovers */ }
    process.exit(code);
  };
  if (proc.exitCode !== null || proc.signalCode !== null) rm();
  proc.once('exit', rm);
  proc.kill('SIGKILL');
}
proc.on('exit', (code, sig) => {
  if (!finishing) {
    console.error('browse.js: chromium exited (' + (sig || code) + ')\n' + chromeLog);
    finish(1);
  }
});
main().then(() => {
  for (const p of problems) console.error('browse.js: ' + p);
  finish(problems.length ? 1 : 0);
}, (e) => {
  for (const p of problems) console.error('browse.js: ' + p);
  console.error('browse.js: ' + e.message);
  finish(1);
});
