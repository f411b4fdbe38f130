// The 通报's table of work from outside the approval (db/queries/report-outside.ts): per
// department, the complaints received and replied in time, the notices received and answered
// (认领 / 签收) in time.
import type { MonthlyReport } from '../../db/queries/reports.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

type Row = NonNullable<MonthlyReport['outsideWork']>['departments'][number];
const cells = ({ complaints: c, notices: n }: Pick<Row, 'complaints' | 'notices'>) =>
  [c.received, c.repliedOnTime, c.repliedLate, c.unrepliedPastDeadline, c.unrepliedOpen, n.received, n.answeredOnTime, n.answeredLate, n.licensedUnclaimed, n.unansweredPastDeadline, n.unansweredOpen].map((v) => `<td>${v}</td>`).join('');

/** The table, or a line saying there was none; a report kept before the table existed has no `outsideWork`. */
export function outsideWorkTable(r: MonthlyReport): string {
  const o = r.outsideWork as MonthlyReport['outsideWork'] | undefined;
  if (!o) return '';
  if (o.departments.length === 0) return '<p>本月无投诉举报转办件和部门告知件。</p>';
  const head =
    '<tr><th rowspan="2">部门</th><th colspan="5">投诉举报（12345 / 12315）</th><th colspan="6">部门告知（双告知认领、联动告知签收）</th></tr>' +
    '<tr><th>接收</th><th>按时答复</th><th>逾期答复</th><th>超期未答复</th><th>待答复（未到期）</th><th>接收</th><th>按时认领/签收</th><th>逾期认领/签收</th><th>许可办结（未认领）</th><th>超期未认领/签收</th><th>待认领/签收（未到期）</th></tr>';
  const body = o.departments.map((d) => `<tr><th>${esc(d.name)}</th>${cells(d)}</tr>`).join('');
  return `<table class="figures outside"><thead>${head}</thead><tbody>${body}<tr class="total"><th>合计</th>${cells(o.totals)}</tr></tbody></table>`;
}
