// SPDX-License-Identifier: MIT
// The catalog page (catalog.html?q=&module=&tier=&course=): the course graph
// in layers by prerequisite depth (a column per depth, a colour per module,
// the tier on each node), keyword search through GET /v1/courses, and a
// course's detail with its prerequisites and dependents. Every course comes
// from GET /v1/courses pages (up to MAX_DRAW drawn).
'use strict';

const MAX_DRAW = 3000;
const COL_W = 152, ROW_H = 26, NODE_W = 134, NODE_H = 20, PAD = 8;
const SVG = 'http://www.w3.org/2000/svg';
const tierMark = { NEW_HIRE: '新', CORE_STAFF: '骨', MANAGER: '管' };

let cat = null;
const courses = new Map();       // id -> { course, depth }
const dependents = new Map();    // id -> [ids of courses that list it]
let selected = '';

function svgEl(tag, attrs, ...kids) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}

async function loadCourses() {
  let cursor = '';
  do {
    const page = await sp.get('/v1/courses?limit=200' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    for (const h of page.hits || []) courses.set(h.course.id, { course: h.course, depth: h.depth || 0 });
    cursor = page.nextCursor || '';
  } while (cursor && courses.size < MAX_DRAW);
  for (const { course } of courses.values()) {
    for (const p of course.prerequisites || []) {
      if (!dependents.has(p)) dependents.set(p, []);
      dependents.get(p).push(course.id);
    }
  }
  document.getElementById('graph-note').textContent = courses.size + ' 门课程 courses' +
    (cat.courses > courses.size ? ' (of ' + cat.courses + ': narrow by module to see the rest)' : '');
}

// Columns by depth; the first ordered by module, each later one by the mean
// row of its courses' prerequisites (fewer crossing edges), module breaking ties.
function layout() {
  const cols = [];
  for (const [id, c] of courses) (cols[c.depth] = cols[c.depth] || []).push(id);
  const row = new Map();
  const modIdx = (id) => (cat.modules || []).indexOf(courses.get(id).course.module);
  cols.forEach((ids, d) => {
    if (!ids) return;
    const key = new Map(ids.map((id) => {
      const ps = (courses.get(id).course.prerequisites || []).filter((p) => row.has(p));
      return [id, ps.length ? ps.reduce((s, p) => s + row.get(p), 0) / ps.length : modIdx(id) * 1000];
    }));
    ids.sort((a, b) => (d ? key.get(a) - key.get(b) : 0) || modIdx(a) - modIdx(b));
    ids.forEach((id, i) => row.set(id, i));
  });
  return { cols, row };
}

function drawGraph() {
  const { cols, row } = layout();
  const svg = document.getElementById('graph');
  const rows = Math.max(...cols.map((c) => (c ? c.length : 0)));
  const w = cols.length * COL_W + PAD, h = rows * ROW_H + 30 + PAD;
  svg.setAttribute('width', w); svg.setAttribute('height', h); svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
  const at = (id) => ({ x: PAD + courses.get(id).depth * COL_W, y: 30 + row.get(id) * ROW_H });
  const edges = svgEl('g', { class: 'edges' }), nodes = svgEl('g', { class: 'nodes' });
  const heads = svgEl('g', {}, ...cols.map((_, d) => svgEl('text', { x: PAD + d * COL_W, y: 16, class: 'colhead' },
    '深度 depth ' + d)));
  let nEdges = 0;
  for (const [id, { course }] of courses) {
    const b = at(id);
    for (const p of course.prerequisites || []) {
      if (!courses.has(p)) continue;
      const a = at(p);
      const x1 = a.x + NODE_W, y1 = a.y + NODE_H / 2, x2 = b.x, y2 = b.y + NODE_H / 2, mx = (x1 + x2) / 2;
      edges.append(svgEl('path', { d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`, 'data-from': p, 'data-to': id }));
      nEdges++;
    }
    const label = course.title.length > 9 ? course.title.slice(0, 8) + '…' : course.title;
    const g = svgEl('g', { class: 'node', 'data-id': id, transform: `translate(${b.x},${b.y})`, tabindex: 0 },
      svgEl('title', {}, course.title + ' · ' + id + ' · ' + sp.moduleName(cat, course.module) + ' · ' + (sp.tierLabel[course.tier] || '')),
      svgEl('rect', { width: NODE_W, height: NODE_H, rx: 4, fill: sp.moduleColour(cat, course.module) }),
      svgEl('text', { x: 6, y: 14 }, label),
      svgEl('text', { x: NODE_W - 6, y: 14, 'text-anchor': 'end', class: 'tier' }, tierMark[course.tier] || ''));
    g.onclick = () => select(id, true);
    g.onkeydown = (e) => { if (e.key === 'Enter') select(id, true); };
    nodes.append(g);
  }
  svg.replaceChildren(heads, edges, nodes);
  svg.dataset.nodes = courses.size;
  svg.dataset.edges = nEdges;
  svg.dataset.layers = cols.length;
  document.getElementById('legend').replaceChildren(...(cat.modules || []).map((m) =>
    sp.el('span', { class: 'key' }, sp.el('i', { style: 'background:' + sp.moduleColour(cat, m) }), sp.moduleName(cat, m))),
    sp.el('span', { class: 'key muted' }, '新 new hire · 骨 core staff · 管 manager'));
}

function courseItem(id) {
  const c = courses.get(id);
  const a = sp.el('a', { href: '?course=' + encodeURIComponent(id) }, c ? c.course.title : id);
  a.onclick = (e) => { e.preventDefault(); select(id, true); };
  return sp.el('li', { 'data-course': id }, a, ' ', sp.el('span', { class: 'muted' }, id));
}

function select(id, push) {
  const c = courses.get(id);
  if (!c) return;
  selected = id;
  if (push) setParam('course', id);
  const { course } = c;
  const prereqs = course.prerequisites || [], deps = dependents.get(id) || [];
  document.getElementById('detail-box').hidden = false;
  document.getElementById('detail-title').textContent = course.title;
  const facts = [['编号 id', id], ['模块 module', sp.moduleName(cat, course.module)],
    ['层级 tier', sp.tierLabel[course.tier] || course.tier || '—'], ['深度 depth', c.depth],
    ['难度 difficulty', sp.num(course.difficulty)], ['时长 duration', (course.durationMin || 0) + ' min'],
    ['掌握分 mastery score', sp.num(course.masteryScore || 0.6)]];
  document.getElementById('detail-facts').replaceChildren(...facts.flatMap(([k, v]) => [sp.el('dt', {}, k), sp.el('dd', {}, v)]));
  const taught = (course.coverage || []).map((v, i) => ({ i, v })).filter((t) => t.v > 0).sort((a, b) => b.v - a.v);
  const tags = document.getElementById('detail-tags');
  tags.replaceChildren(...taught.map((t) => sp.el('tr', {}, sp.el('td', {}, cat.tagList[t.i].name),
    sp.el('td', { class: 'num' }, sp.pct(t.v)),
    sp.el('td', {}, sp.el('span', { class: 'bar', style: 'width:' + (60 * t.v).toFixed(0) + 'px' })))));
  tags.dataset.rows = taught.length;
  const fill = (elId, ids) => {
    const ul = document.getElementById(elId);
    ul.replaceChildren(...(ids.length ? ids.map(courseItem) : [sp.el('li', { class: 'muted' }, '无 none')]));
    ul.dataset.courses = ids.join(' ');
  };
  fill('detail-prereqs', prereqs);
  fill('detail-deps', deps);
  // the graph: the course, what it needs and what needs it stand out
  const near = new Set([id, ...prereqs, ...deps]);
  const svg = document.getElementById('graph');
  svg.classList.add('focus');
  for (const n of svg.querySelectorAll('.node')) n.classList.toggle('near', near.has(n.dataset.id));
  for (const n of svg.querySelectorAll('.node')) n.classList.toggle('selected', n.dataset.id === id);
  for (const e of svg.querySelectorAll('.edges path')) e.classList.toggle('near', e.dataset.from === id || e.dataset.to === id);
  const node = svg.querySelector('.node[data-id="' + CSS.escape(id) + '"]');
  if (node && push) node.scrollIntoView({ block: 'nearest', inline: 'nearest' });
}

function setParam(k, v) {
  const p = new URLSearchParams(location.search);
  if (v) p.set(k, v); else p.delete(k);
  history.replaceState(null, '', '?' + p);
}

async function search(push) {
  const q = document.getElementById('q').value.trim();
  const module = document.getElementById('module').value, tier = document.getElementById('tier').value;
  if (push) { setParam('q', q); setParam('module', module); setParam('tier', tier); }
  const box = document.getElementById('results-box');
  const svg = document.getElementById('graph');
  if (!q && !module && !tier) {
    box.hidden = true;
    svg.classList.remove('searching');
    return;
  }
  const p = new URLSearchParams({ limit: 20 });
  if (q) p.set('q', q);
  if (module) p.set('module', module);
  if (tier) p.set('tier', tier);
  const r = await sp.get('/v1/courses?' + p);
  const hits = r.hits || [];
  const matched = { TITLE: '标题 title', TAG: '能力 tag', MODULE: '模块 module' };
  const list = document.getElementById('results');
  list.replaceChildren(...hits.map((h) => {
    const li = courseItem(h.course.id);
    li.append(' ', sp.el('span', { class: 'badge' }, matched[h.matched] || '列表 listed'), ' ',
              sp.el('span', { class: 'muted' }, sp.moduleName(cat, h.course.module) + ' · ' + (sp.tierLabel[h.course.tier] || '')));
    return li;
  }));
  if (!hits.length) list.append(sp.el('li', { class: 'muted' }, '没有结果 no course matches'));
  list.dataset.courses = hits.map((h) => h.course.id).join(' ');
  document.getElementById('results-total').textContent = (r.total || 0) + ' 门 courses';
  box.hidden = false;
  const ids = new Set(hits.map((h) => h.course.id));
  svg.classList.add('searching');
  for (const n of svg.querySelectorAll('.node')) n.classList.toggle('hit', ids.has(n.dataset.id));
}

async function main() {
  cat = await sp.catalog();
  const params = new URLSearchParams(location.search);
  const mod = document.getElementById('module'), tier = document.getElementById('tier');
  for (const m of cat.moduleList || []) mod.append(sp.el('option', { value: m.id }, sp.moduleName(cat, m.id)));
  for (const t of sp.tiers) tier.append(sp.el('option', { value: t }, sp.tierLabel[t]));
  document.getElementById('q').value = params.get('q') || '';
  mod.value = params.get('module') || '';
  tier.value = params.get('tier') || '';
  await loadCourses();
  drawGraph();
  await search(false);
  if (params.get('course')) {
    if (courses.has(params.get('course'))) select(params.get('course'), false);
    else sp.fail('no course ' + params.get('course') + ' in the catalog');
  }
  if (!sp.failed) sp.setStatus('ok');
}

document.getElementById('find').onsubmit = (e) => {
  e.preventDefault();
  search(true).then(() => { if (!sp.failed) sp.setStatus('ok'); }, () => {});
};
main().catch(() => {});
