// SPDX-License-Identifier: MIT
// The learner page (learner.html?id=ID): GET /v1/learners/{id} (stored and
// effective capability, attempts, review due), POST /v1/recommend (the path
// with reasons and what each item closes), and the learner's stream
// (/v1/learners/{id}/stream): each pushed set of next lessons is shown at
// once, and a new version reloads the rest of the page.
'use strict';

const id = new URLSearchParams(location.search).get('id') || '';
let radar = null;
let shownVersion = null;     // the learner version the page shows
let latestVersion = null;    // the latest version the stream told of
let reloading = false;

// Reload the page's data until it shows the stream's latest version (one
// load at a time; a failed load stops it: the status says why).
function follow(cat) {
  if (reloading || latestVersion === shownVersion) return;
  reloading = true;
  load(cat).then(() => { reloading = false; follow(cat); }, () => { reloading = false; });
}

function courseLink(courseId, title) {
  return sp.el('a', { href: 'catalog.html?course=' + encodeURIComponent(courseId) }, title || courseId);
}

function drawRadar(cat, view, target) {
  const labels = (cat.tagList || []).map((t) => t.name);
  const eff = view.effective || [];
  const stored = view.learner.capability || [];
  const sets = [
    { label: '有效 effective', data: labels.map((_, i) => eff[i] || 0), borderColor: '#1f6fd1',
      backgroundColor: 'rgba(31,111,209,0.18)', fill: true, pointRadius: 2 },
    { label: '目标 target', data: labels.map((_, i) => (target ? target.level[i] : 0) || 0), borderColor: '#d1661f',
      backgroundColor: 'transparent', borderDash: [5, 4], pointRadius: 0 },
    { label: '存储 stored', data: labels.map((_, i) => stored[i] || 0), borderColor: '#8a96a3',
      backgroundColor: 'transparent', borderWidth: 1, pointRadius: 0 },
  ];
  if (radar) radar.destroy();
  const canvas = document.getElementById('radar');
  radar = new Chart(canvas, {
    type: 'radar', data: { labels, datasets: sets },
    options: { animation: false, responsive: true, aspectRatio: 1,
               scales: { r: { min: 0, max: 1, ticks: { stepSize: 0.25, backdropColor: 'transparent' },
                              pointLabels: { font: { size: 10 } } } },
               plugins: { legend: { display: true, position: 'bottom' } } },
  });
  // the drawn data, for people reading the DOM and for the browser test
  canvas.dataset.labels = JSON.stringify(labels);
  canvas.dataset.sets = JSON.stringify(sets.map((s) => s.label));
  canvas.dataset.effective = JSON.stringify(sets[0].data.map((x) => Number(x.toFixed(4))));
}

function showNext(next) {
  const list = document.getElementById('next');
  const lessons = next.lessons || [];
  list.replaceChildren(...lessons.map((l) => sp.el('li', { 'data-course': l.courseId },
    courseLink(l.courseId, l.title), ' ', sp.el('span', { class: 'muted' }, (l.durationMin || 0) + ' min'), ' ',
    sp.el('span', { class: 'badge ' + (l.reason || '').toLowerCase() }, sp.reasonLabel[l.reason] || l.reason || ''))));
  if (!lessons.length) list.append(sp.el('li', { class: 'muted' }, sp.statusLabel[next.status] || next.status || ''));
  const live = document.getElementById('live');
  live.textContent = '实时 live · v' + next.version + ' · ' + new Date().toLocaleTimeString();
  live.dataset.version = next.version;
  list.dataset.rows = lessons.length;
}

async function load(cat) {
  const [view, path] = await Promise.all([
    sp.get('/v1/learners/' + encodeURIComponent(id), [404]),
    sp.post('/v1/recommend', { learnerId: id, maxItems: 8 }, [404]),
  ]);
  if (view === null) {
    document.getElementById('page').hidden = true;
    const hint = document.getElementById('hint');
    hint.hidden = false;
    hint.textContent = '未找到学员 no learner "' + id + '"';
    hint.dataset.missing = id;
    return;
  }
  const l = view.learner;
  shownVersion = l.version;
  document.getElementById('page').hidden = false;
  const target = (cat.targetList || []).find((t) => t.id === l.targetId);
  const tagName = (tagId) => ((cat.tagList || []).find((t) => t.id === tagId) || {}).name || tagId;

  document.getElementById('who').textContent = '学员 ' + l.id;
  const facts = [
    ['层级 tier', sp.tierLabel[l.tier] || l.tier || '—'],
    ['目标 target', target ? target.name + ' (' + target.id + ')' : (l.targetId || '—')],
    ['版本 version', l.version],
    ['差距 gap', path ? sp.num(path.gapBefore, 3) : '—'],
    ['最近进步 anchor', l.anchorCourseId ? courseLink(l.anchorCourseId) : '—'],
  ];
  document.getElementById('facts').replaceChildren(...facts.flatMap(([k, v]) => [sp.el('dt', {}, k), sp.el('dd', {}, v)]));

  drawRadar(cat, view, target);

  const items = path ? path.items || [] : [];
  document.getElementById('path-summary').textContent = path
    ? (sp.statusLabel[path.status] || path.status) + ' · ' + items.length + ' 课 items · ' + (path.totalMin || 0) +
      ' min · 差距 gap ' + sp.num(path.gapBefore, 3) + ' → ' + sp.num(path.gapAfter, 3)
    : '无路径 no path';
  sp.table('path', ['#', '课程 course', { t: '分钟 min', num: true }, '原因 reason', '弥补 closes (before → after)'],
        items.map((it, i) => [i + 1, courseLink(it.courseId, it.title), it.durationMin || 0,
          sp.el('span', { class: 'badge ' + (it.reason || '').toLowerCase() }, sp.reasonLabel[it.reason] || it.reason),
          (it.closes || []).map((c) => tagName(c.tagId) + ' ' + sp.num(c.before) + '→' + sp.num(c.after)).join(' · ')]));
  document.getElementById('path').dataset.courses = items.map((it) => it.courseId).join(' ');

  const eff = view.effective || [];
  const due = (view.reviewDue || []).map((at, i) => ({ i, at: Number(at) })).filter((d) => d.at > 0)
    .sort((a, b) => a.at - b.at);
  sp.table('review', ['能力 tag', { t: '有效 now', num: true }, { t: '目标 target', num: true }, '到期 due'],
        due.map((d) => [cat.tagList[d.i].name, sp.num(eff[d.i]), sp.num(target ? target.level[d.i] : 0),
                        d.at <= Number(view.now) ? '现在 now' : sp.date(d.at)]));

  const attempts = (l.attempts || []).slice().sort((a, b) => Number(b.at) - Number(a.at)).slice(0, 10);
  const courses = await Promise.all(attempts.map((a) => sp.get('/v1/courses/' + encodeURIComponent(a.courseId), [404])));
  sp.table('attempts', ['课程 course', { t: '得分 score', num: true }, '通过 passed', '时间 at'],
        attempts.map((a, i) => [courseLink(a.courseId, courses[i] ? courses[i].title : a.courseId),
                                sp.pct(a.score || 0), a.passed ? '✓' : '✗' + (a.fails > 1 ? ' ×' + a.fails : ''),
                                sp.date(a.at)]));
  document.getElementById('attempts').dataset.courses = attempts.map((a) => a.courseId).join(' ');
}

async function main() {
  document.getElementById('learner-id').value = id;
  if (!id) {
    document.getElementById('hint').hidden = false;
    sp.setStatus('ok');
    return;
  }
  const cat = await sp.catalog();
  await load(cat);
  if (!document.getElementById('page').hidden) {
    sp.stream('/v1/learners/' + encodeURIComponent(id) + '/stream', (type, data) => {
      const next = JSON.parse(data);
      showNext(next);
      latestVersion = next.version;
      follow(cat);
    });
  }
  if (!sp.failed) sp.setStatus('ok');
}

document.getElementById('find').onsubmit = (e) => {
  e.preventDefault();
  const v = document.getElementById('learner-id').value.trim();
  if (v) location.search = '?id=' + encodeURIComponent(v);
};
main().catch(() => {});
