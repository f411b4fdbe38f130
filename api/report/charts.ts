// The 通报's pictures, drawn on the server as SVG by Apache ECharts (server-side rendering: no
// DOM, no browser), so the HTML page, its print and the PDF show the same charts and no script
// runs in the reader's browser. Static: no animation, no tooltips.
import * as echarts from 'echarts';
import type { MonthlyReport } from '../../db/queries/reports.js';

/** Chinese first, so names never fall back to boxes (fonts-wqy-zenhei on Debian; the others where they exist). */
export const CJK_FONTS = '"WenQuanYi Zen Hei", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "SimHei", sans-serif';

const COLORS = { onTime: '#2e7d32', late: '#f9a825', missed: '#c62828', line: '#1565c0', received: '#90a4ae' };

function svg(width: number, height: number, option: echarts.EChartsCoreOption): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: CJK_FONTS }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

const percent = (r: number | null) => (r === null ? null : Math.round(r * 1000) / 10);

/** A bar per department: claimed on time, claimed late, still unclaimed past the deadline. */
export function departmentBars(r: MonthlyReport, width = 700, height = 300): string {
  const names = r.departments.map((d) => d.name);
  const series = (name: string, color: string, pick: (t: MonthlyReport['totals']) => number) => ({ name, type: 'bar', stack: 'claim', itemStyle: { color }, barMaxWidth: 48, label: { show: true, position: 'inside', formatter: (p: { value: number }) => (p.value ? String(p.value) : '') }, data: r.departments.map((d) => pick(d.totals)) });
  return svg(width, height, {
    title: { text: '各部门认领情况（按时 / 逾期）', left: 'center', textStyle: { fontSize: 15, fontFamily: CJK_FONTS } },
    legend: { top: 34, textStyle: { fontFamily: CJK_FONTS } },
    grid: { top: 76, left: 48, right: 16, bottom: 56 },
    xAxis: { type: 'category', data: names, axisLabel: { interval: 0, fontFamily: CJK_FONTS, width: Math.max(60, (width - 80) / Math.max(1, names.length)), overflow: 'break' } },
    yAxis: { type: 'value', name: '任务数', minInterval: 1 },
    series: [series('按时认领', COLORS.onTime, (t) => t.claimedOnTime), series('逾期认领', COLORS.late, (t) => t.claimedLate), series('逾期未认领', COLORS.missed, (t) => t.unclaimedPastDeadline)],
  });
}

/** The last twelve months: tasks received (bars) and the claim on-time rate (line). */
export function trendLine(r: MonthlyReport, width = 700, height = 280): string {
  return svg(width, height, {
    title: { text: '近十二个月趋势', left: 'center', textStyle: { fontSize: 15, fontFamily: CJK_FONTS } },
    legend: { top: 34, textStyle: { fontFamily: CJK_FONTS } },
    grid: { top: 76, left: 48, right: 56, bottom: 40 },
    xAxis: { type: 'category', data: r.trend.map((p) => p.month) },
    yAxis: [
      { type: 'value', name: '任务数', minInterval: 1 },
      { type: 'value', name: '按时认领率 %', min: 0, max: 100 },
    ],
    series: [
      { name: '接收任务', type: 'bar', itemStyle: { color: COLORS.received }, barMaxWidth: 28, data: r.trend.map((p) => p.received) },
      { name: '按时认领率', type: 'line', yAxisIndex: 1, connectNulls: false, symbolSize: 7, itemStyle: { color: COLORS.line }, label: { show: true, formatter: (p: { value: number | null }) => (p.value === null ? '' : `${p.value}%`) }, data: r.trend.map((p) => percent(p.claimOnTimeRate)) },
    ],
  });
}

/** The departments ranked by claim on-time rate, best at the top. */
export function rankingBars(r: MonthlyReport, width = 700, height = Math.max(160, 60 + 34 * r.ranking.length)): string {
  const rows = [...r.ranking].reverse(); // ECharts draws the first category at the bottom
  return svg(width, height, {
    title: { text: '按时认领率排名', left: 'center', textStyle: { fontSize: 15, fontFamily: CJK_FONTS } },
    grid: { top: 40, left: 150, right: 56, bottom: 24 },
    xAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
    yAxis: { type: 'category', data: rows.map((d) => `${d.rank}. ${d.name}`), axisLabel: { fontFamily: CJK_FONTS } },
    series: [
      {
        type: 'bar',
        barMaxWidth: 22,
        label: { show: true, position: 'right', formatter: (p: { value: number | null }) => (p.value === null ? '无到期任务' : `${p.value}%`) },
        data: rows.map((d) => ({ value: percent(d.claimOnTimeRate), itemStyle: { color: d.claimOnTimeRate === null ? COLORS.received : d.claimOnTimeRate >= 0.9 ? COLORS.onTime : d.claimOnTimeRate >= 0.6 ? COLORS.late : COLORS.missed } })),
      },
    ],
  });
}
