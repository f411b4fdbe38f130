// The 通报 as a page: the same HTML is what a browser shows (Accept: text/html) and what
// Chromium prints to the PDF (Accept: application/pdf), laid out for A4. Self-contained: the
// charts are inline SVG (charts.ts), the CSS is inline, nothing is fetched.
import type { Figures, MonthlyReport, OverdueItem } from '../../db/queries/reports.js';
import { formatShanghai } from '../../workflows/domain/format.js';
import { CJK_FONTS, departmentBars, rankingBars, trendLine } from './charts.js';
import { outsideWorkTable } from './outside-html.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const pct = (r: number | null) => (r === null ? '—' : `${(Math.round(r * 1000) / 10).toFixed(1)}%`);
const monthZh = (m: string) => `${m.slice(0, 4)}年${Number(m.slice(5))}月`;

const KIND: Record<OverdueItem['kind'], string> = { claim: '认领', inspection: '监管检查', feedback: '结果反馈', reinspection: '复查', rectification: '整改', decision: '审批决定', commitment: '承诺补交材料', revocation: '撤销决定' };

const COLUMNS: Array<[keyof Figures, string]> = [
  ['received', '接收任务'],
  ['claimedOnTime', '按时认领'],
  ['claimedLate', '逾期认领'],
  ['unclaimedPastDeadline', '逾期未认领'],
  ['unclaimedOpen', '待认领（未到期）'],
  ['feedbackOnTime', '按时反馈'],
  ['feedbackLate', '逾期反馈'],
  ['feedbackOverdue', '超期未反馈'],
  ['rectificationsOrdered', '责令整改'],
  ['rectified', '已整改'],
  ['notRectified', '未整改'],
  ['rectificationOpen', '整改中'],
  ['revocationsRequested', '申请撤销'],
  ['licencesRevoked', '已撤销许可'],
  ['remindersSent', '提醒'],
  ['escalationsSent', '催办督办'],
];

const cells = (f: Figures) => COLUMNS.map(([k]) => `<td>${f[k] as number}</td>`).join('') + `<td>${pct(f.claimOnTimeRate)}</td>`;

function figuresTable(r: MonthlyReport): string {
  const head = `<tr><th>部门 / 处室</th>${COLUMNS.map(([, h]) => `<th>${h}</th>`).join('')}<th>按时认领率</th></tr>`;
  const body = r.departments
    .map((d) => [`<tr class="dept"><th>${esc(d.name)}</th>${cells(d.totals)}</tr>`, ...d.divisions.map((v) => `<tr><th class="div">${esc(v.name)}</th>${cells(v)}</tr>`)].join(''))
    .join('');
  return `<table class="figures"><thead>${head}</thead><tbody>${body}<tr class="total"><th>合计</th>${cells(r.totals)}</tr></tbody></table>`;
}

function overdueTable(r: MonthlyReport): string {
  if (r.overdue.length === 0) return '<p>截至统计时点，无超期未办结事项。</p>';
  const rows = r.overdue
    .map((o) => `<tr><td>${esc(o.applicationNo)}</td><td>${esc(o.applicantName)}</td><td>${KIND[o.kind]}</td><td>${esc(formatShanghai(o.dueAt))}</td><td>${esc(o.departmentName)}${o.divisionName ? ` · ${esc(o.divisionName)}` : ''}</td></tr>`)
    .join('');
  const more = r.overdueTotal > r.overdue.length ? `<p class="note">另有 ${r.overdueTotal - r.overdue.length} 项未列出。</p>` : '';
  return `<table class="overdue"><thead><tr><th>案件编号</th><th>办事主体</th><th>超期环节</th><th>期限</th><th>责任单位</th></tr></thead><tbody>${rows}</tbody></table>${more}`;
}

const CSS = `
@page { size: A4; margin: 14mm 12mm 16mm 12mm; }
* { box-sizing: border-box; }
html { font-family: ${CJK_FONTS}; color: #212121; font-size: 10.5pt; }
body { margin: 0 auto; max-width: 186mm; }
h1 { font-size: 18pt; text-align: center; margin: 0 0 4pt; letter-spacing: 1pt; }
h2 { font-size: 13pt; border-left: 4pt solid #1565c0; padding-left: 6pt; margin: 10pt 0 6pt; }
.meta { text-align: center; color: #555; font-size: 9pt; margin-bottom: 8pt; }
.cards { display: flex; gap: 6pt; margin: 6pt 0; }
.card { flex: 1; border: 1px solid #cfd8dc; border-radius: 4pt; padding: 5pt; text-align: center; }
.card b { display: block; font-size: 15pt; }
.card span { font-size: 8.5pt; color: #555; }
figure { margin: 4pt 0; text-align: center; break-inside: avoid; }
figure svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 7.5pt; break-inside: auto; }
th, td { border: 1px solid #b0bec5; padding: 2pt 3pt; text-align: center; }
thead th { background: #eceff1; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
tr.dept th, tr.dept td { background: #f5f7f8; font-weight: bold; }
tr.total th, tr.total td { background: #e3f2fd; font-weight: bold; }
table.figures tbody th { width: 27mm; white-space: nowrap; }
th.div { font-weight: normal; padding-left: 10pt; text-align: left; }
table.overdue { font-size: 8.5pt; }
.page { break-before: page; }
.note { font-size: 8.5pt; color: #555; }
footer { margin-top: 8pt; font-size: 8pt; color: #777; }
@media screen { body { padding: 16px; } .page { border-top: 1px dashed #b0bec5; margin-top: 24px; padding-top: 8px; } }
`;

/** The page; `kept`: the stored report's hash and when it was produced, when this is the published one. */
export function reportHtml(r: MonthlyReport, kept?: { sha256: string; producedAt: string }): string {
  const t = r.totals;
  const change = r.change.claimOnTimeRatePoints === null ? '' : `，较上月${r.change.claimOnTimeRatePoints >= 0 ? '上升' : '下降'} ${Math.abs(r.change.claimOnTimeRatePoints).toFixed(1)} 个百分点`;
  const card = (v: string | number, label: string) => `<div class="card"><b>${v}</b><span>${label}</span></div>`;
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${esc(r.region.name)}审管联动运行情况通报（${monthZh(r.month)}）</title><style>${CSS}</style></head>
<body>
<header>
<h1>${esc(r.region.name)}“审管联动”系统运行情况通报</h1>
<div class="meta">${monthZh(r.month)} · 统计时点 ${esc(formatShanghai(r.asOf))}（北京时间）${kept ? ` · 已发布 ${esc(formatShanghai(kept.producedAt))} · SHA-256 <code>${kept.sha256.slice(0, 16)}…</code>` : ' · 未发布（实时）'}</div>
</header>
<section>
<h2>一、总体情况</h2>
<p>本月共推送监管任务 ${t.received} 件，按时认领 ${t.claimedOnTime} 件，逾期认领 ${t.claimedLate} 件，逾期未认领 ${t.unclaimedPastDeadline} 件，按时认领率 ${pct(t.claimOnTimeRate)}${change}。按时反馈 ${t.feedbackOnTime} 件，逾期反馈 ${t.feedbackLate} 件；责令整改 ${t.rectificationsOrdered} 件，申请撤销许可 ${t.revocationsRequested} 件；发送提醒 ${t.remindersSent} 条、催办督办 ${t.escalationsSent} 条。</p>
<div class="cards">${card(t.received, '接收任务')}${card(pct(t.claimOnTimeRate), '按时认领率')}${card(t.claimedLate + t.unclaimedPastDeadline, '逾期认领 / 未认领')}${card(t.feedbackLate + t.feedbackOverdue, '逾期反馈 / 未反馈')}${card(r.overdueTotal, '当前超期事项')}</div>
<figure class="chart" id="chart-departments">${departmentBars(r)}</figure>
<figure class="chart" id="chart-ranking">${rankingBars(r)}</figure>
</section>
<section class="page">
<h2>二、趋势与各部门明细</h2>
<figure class="chart" id="chart-trend">${trendLine(r)}</figure>
${figuresTable(r)}
</section>
<section class="page">
<h2>三、超期未办结事项</h2>
${overdueTable(r)}
<h2>四、投诉举报与部门告知</h2>
${outsideWorkTable(r)}
<footer>口径：本月推送的监管任务（北京时间），“按时”指在任务所定期限内；培训演练区划不计入。数据来自审管联动系统读模型，与 /v1/stats/timeliness 同一口径。</footer>
</section>
</body></html>`;
}
