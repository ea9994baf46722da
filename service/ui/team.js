// SPDX-License-Identifier: MIT
// The team page: GET /v1/catalog for the filters' choices, then
// /v1/team/summary (whole team and per tier for the heatmap),
// /v1/team/demand and /v1/team/learners; charts with Chart.js.
'use strict';

const charts = {};

function chart(id, config) {
  if (charts[id]) charts[id].destroy();
  config.options = Object.assign({ animation: false, responsive: true, plugins: { legend: { display: false } } },
                                 config.options || {});
  charts[id] = new Chart(document.getElementById(id), config);
  // the drawn data, for people reading the DOM and for the browser test
  document.getElementById(id).dataset.labels = JSON.stringify(config.data.labels);
}

function query() {
  const p = new URLSearchParams();
  for (const f of ['tier', 'target', 'module']) {
    const v = document.getElementById('f-' + f).value;
    if (v) p.set(f, v);
  }
  return p;
}

async function fillFilters() {
  const cat = await sp.catalog();
  const tier = document.getElementById('f-tier');
  for (const t of sp.tiers) tier.append(sp.el('option', { value: t }, sp.tierLabel[t]));
  const mod = document.getElementById('f-module');
  for (const m of cat.moduleList || []) mod.append(sp.el('option', { value: m.id }, sp.moduleName(cat, m.id)));
  return cat;
}

async function load() {
  const cat = await sp.catalog();
  sp.setStatus('loading');
  const q = query();
  const [sum, demand, risk, ...perTier] = await Promise.all([
    sp.get('/v1/team/summary?' + q),
    sp.get('/v1/team/demand?k=3&' + q),
    sp.get('/v1/team/learners?sort=gap&limit=20&' + q),
    ...sp.tiers.map((t) => { const p = query(); p.set('tier', t); return sp.get('/v1/team/summary?' + p); }),
  ]);
  const targets = document.getElementById('f-target');
  if (targets.options.length === 1) {
    for (const c of sum.byTarget || []) {
      const t = (cat.targetList || []).find((x) => x.id === c.key);
      targets.append(sp.el('option', { value: c.key }, t ? t.name : c.key));
    }
  }
  document.getElementById('headcount').textContent = sum.headcount || 0;
  document.getElementById('built').textContent =
    '快照 snapshot ' + new Date(Number(sum.builtAt) * 1000).toLocaleString() + ' · catalog ' + sum.catalogVersion;
  const byTier = sum.byTier || [];
  chart('tiers', { type: 'bar', data: { labels: byTier.map((c) => sp.tierLabel[c.key] || c.key),
    datasets: [{ data: byTier.map((c) => c.count || 0), backgroundColor: '#1f6fd1' }] } });

  const cert = sum.certifications || [];
  chart('readiness', { type: 'bar', data: { labels: cert.map((c) => c.name),
    datasets: [{ label: '% ready', data: cert.map((c) => 100 * (c.readyShare || 0)), backgroundColor: '#2e9e5b', yAxisID: 'y' },
               { label: 'median gap of the rest', data: cert.map((c) => c.medianGapRest || 0), backgroundColor: '#c9a227', yAxisID: 'gap' }] },
    options: { plugins: { legend: { display: true } },
               scales: { y: { min: 0, max: 100, title: { display: true, text: '% ready' } },
                         gap: { position: 'right', min: 0, grid: { drawOnChartArea: false },
                                title: { display: true, text: 'median gap' } } } } });

  // heatmap: a row per tag, a column per tier
  const tags = sum.tags || [];
  const heat = document.getElementById('heat');
  heat.replaceChildren(sp.el('tr', {}, sp.el('th', {}, '能力 tag'), sp.el('th', {}, '模块 module'),
                                      ...sp.tiers.map((t) => sp.el('th', {}, sp.tierLabel[t])),
                                      sp.el('th', { class: 'num' }, '达标 at target')));
  tags.forEach((tag, i) => {
    const cells = perTier.map((s) => {
      const m = ((s.tags || [])[i] || {}).mean || 0;
      return sp.el('td', { class: 'cell', title: m.toFixed(3) }, m.toFixed(2));
    });
    cells.forEach((c) => { c.style.background = sp.shade(Number(c.textContent)); });
    heat.append(sp.el('tr', { 'data-tag': tag.tagId }, sp.el('td', {}, tag.name), sp.el('td', { class: 'muted' }, sp.moduleName(cat, tag.module)),
                      ...cells, sp.el('td', { class: 'num' }, sp.pct(tag.atTargetShare || 0))));
  });
  heat.dataset.rows = tags.length;

  const gaps = tags.slice().sort((a, b) => (b.meanGap || 0) - (a.meanGap || 0)).slice(0, 10);
  chart('gaps', { type: 'bar', data: { labels: gaps.map((t) => t.name),
    datasets: [{ data: gaps.map((t) => t.meanGap || 0), backgroundColor: '#d1661f' }] },
    options: { indexAxis: 'y' } });

  document.getElementById('review-total').textContent = (sum.reviewDueLearners || 0) + ' 人有待复习 learners with a review due';
  sp.table('review', ['能力 tag', { t: '人数 learners', num: true }],
        tags.filter((t) => t.reviewDue).sort((a, b) => b.reviewDue - a.reviewDue).slice(0, 10)
            .map((t) => [t.name, t.reviewDue]));
  sp.table('demand', ['课程 course', '模块 module', { t: '人数 learners', num: true }, { t: '下一课 next', num: true }],
        (demand.courses || []).slice(0, 12).map((c) => [sp.el('a', { href: 'catalog.html?course=' + encodeURIComponent(c.courseId) }, c.title), ((cat.moduleList || []).find((m) => m.id === c.module) || {}).name || c.module, c.learners || 0, c.next || 0]));
  const tagName = (id) => ((cat.tagList || []).find((t) => t.id === id) || {}).name || id;
  const targetName = (id) => ((cat.targetList || []).find((t) => t.id === id) || {}).name || id || '';
  sp.table('atrisk', ['学员 learner', '层级 tier', '目标 target', { t: '差距 gap', num: true },
                   { t: '遗忘 decay', num: true }, '待复习 review due'],
        (risk.learners || []).map((l) => [sp.el('a', { href: 'learner.html?id=' + encodeURIComponent(l.learnerId) }, l.learnerId),
                                          sp.tierLabel[l.tier] || l.tier, targetName(l.targetId), sp.num(l.gap),
                                          sp.num(l.decayLoss), (l.reviewDue || []).map(tagName).join(' · ')]));
  if (!sp.failed) sp.setStatus('ok');
}

document.getElementById('csv-summary').onclick = () => sp.download('/v1/team/summary?format=csv&' + query(), 'team-tags.csv');
document.getElementById('csv-learners').onclick = () => sp.download('/v1/team/learners?format=csv&limit=1000&' + query(), 'team-at-risk.csv');
for (const f of ['tier', 'target', 'module']) document.getElementById('f-' + f).onchange = () => load().catch(() => {});
fillFilters().then(load).catch(() => {});
