import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AuditRecord } from '../functions/audit/audit';
import type { Outcome } from '../functions/findings/types';
import { decisionPath } from '../functions/audit/remediation-metrics';

/**
 * `hubfix report`: one self-contained HTML file built from the audit trail. Chart.js (its UMD bundle, inlined:
 * no CDN, works offline and in an auditor's mailbox) draws compliance before/after per control, the time to
 * remediate distribution and the outcomes; tables list the findings awaiting a decision and the runs.
 * Every finding-derived string is HTML-escaped in tables, and the chart data travels as JSON in a non-executed
 * script element with <, > and & escaped, so a hostile finding title can neither close a tag nor run script.
 */

/** Upper bounds (seconds) of the MTTR histogram's buckets; the last bucket is open. */
export const MTTR_BUCKETS: { label: string; upTo: number }[] = [
  { label: '< 1 min', upTo: 60 },
  { label: '1–5 min', upTo: 300 },
  { label: '5–15 min', upTo: 900 },
  { label: '15–60 min', upTo: 3600 },
  { label: '1–4 h', upTo: 4 * 3600 },
  { label: '4–24 h', upTo: 24 * 3600 },
  { label: '> 1 day', upTo: Number.POSITIVE_INFINITY },
];

export interface ControlCompliance {
  controlId: string;
  findings: number;
  /** Percent of these findings passing when hubfix received them (compliance status PASSED at intake). */
  before: number;
  /** Percent passing after hubfix's latest run on each: fixed and verified, or found already compliant. */
  after: number;
}

export interface PendingApproval {
  controlId: string;
  title: string;
  resourceId: string;
  accountId: string;
  region: string;
  since: string;
  reason: string;
}

export interface ReportSummary {
  runs: number;
  findings: number;
  from?: string;
  to?: string;
  compliance: ControlCompliance[];
  outcomes: Partial<Record<Outcome, number>>;
  mttr: { buckets: { label: string; count: number }[]; medianSeconds?: number; p90Seconds?: number; fixes: number };
  automatic: number;
  approved: number;
  pending: PendingApproval[];
  /** Newest first. */
  recent: AuditRecord[];
}

const percentile = (sorted: number[], p: number): number | undefined =>
  sorted.length === 0 ? undefined : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

const percent = (part: number, whole: number): number => (whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10);

const passesAfter = (r: AuditRecord): boolean =>
  r.outcome === 'resolved' || (r.outcome === 'skipped' && r.assessment?.skip === 'compliant');

/**
 * The figures of the report. A finding counts once per control, judged by hubfix's latest run on it.
 * "Awaiting a decision": findings whose latest run asked for approval and ended with no decision (timed out):
 * nothing changed and the control still fails until someone runs it again and decides. A request still inside
 * its wait has no record yet (Annotate writes it when the run ends); those are in the approvals table.
 */
export const summarizeAudit = (records: AuditRecord[], recentLimit = 50): ReportSummary => {
  const ordered = [...records].sort((a, b) => a.annotatedAt.localeCompare(b.annotatedAt));
  const firstByFinding = new Map<string, AuditRecord>();
  const latestByFinding = new Map<string, AuditRecord>();
  for (const r of ordered) {
    if (!firstByFinding.has(r.finding.id)) firstByFinding.set(r.finding.id, r);
    latestByFinding.set(r.finding.id, r);
  }

  const controls = new Map<string, { findings: number; before: number; after: number }>();
  for (const [findingId, latest] of latestByFinding) {
    const entry = controls.get(latest.finding.controlId) ?? { findings: 0, before: 0, after: 0 };
    entry.findings += 1;
    if (firstByFinding.get(findingId)?.finding.complianceStatus === 'PASSED') entry.before += 1;
    if (passesAfter(latest)) entry.after += 1;
    controls.set(latest.finding.controlId, entry);
  }

  const outcomes: Partial<Record<Outcome, number>> = {};
  for (const r of ordered) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;

  const times = ordered.flatMap((r) => (r.timeToRemediateSeconds === undefined ? [] : [r.timeToRemediateSeconds])).sort((a, b) => a - b);
  const buckets = MTTR_BUCKETS.map((b) => ({ label: b.label, count: 0 }));
  for (const t of times) buckets[MTTR_BUCKETS.findIndex((b) => t < b.upTo)].count += 1;

  const paths = ordered.map(decisionPath);
  return {
    runs: ordered.length,
    findings: latestByFinding.size,
    from: ordered[0]?.annotatedAt,
    to: ordered.at(-1)?.annotatedAt,
    compliance: [...controls.entries()]
      .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
      .map(([controlId, c]) => ({
        controlId,
        findings: c.findings,
        before: percent(c.before, c.findings),
        after: percent(c.after, c.findings),
      })),
    outcomes,
    mttr: { buckets, medianSeconds: percentile(times, 50), p90Seconds: percentile(times, 90), fixes: times.length },
    automatic: paths.filter((p) => p === 'automatic').length,
    approved: paths.filter((p) => p === 'approved').length,
    pending: [...latestByFinding.values()]
      .filter((r) => r.outcome === 'timed-out')
      .map((r) => ({
        controlId: r.finding.controlId,
        title: r.finding.title,
        resourceId: r.finding.resourceId,
        accountId: r.finding.accountId,
        region: r.finding.resourceRegion,
        since: r.assessedAt ?? r.receivedAt,
        reason: r.assessment?.routeReason ?? '',
      })),
    recent: ordered.slice(-recentLimit).reverse(),
  };
};

/** Text for HTML element content and quoted attribute values. */
export const escapeHtml = (value: unknown): string =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** JSON safe inside a <script> element: no "</script>", no "<!--", no line separators JavaScript chokes on. */
export const scriptJson = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

const formatDuration = (seconds: number | undefined): string => {
  if (seconds === undefined) return '–';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.round((seconds / 3600) * 10) / 10} h`;
  return `${Math.round((seconds / 86400) * 10) / 10} d`;
};

/** The UMD bundle sits beside the CommonJS entry (the package exports no path to it). */
const chartJsBundle = (): string =>
  readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/, '\n');

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Draws the charts from the JSON data element; registers them on window.hubfixCharts for tests. */
const APP_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  Chart.defaults.animation = false;
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  var outcomeColors = {
    resolved: '#2e7d32', undone: '#6d4c41', planned: '#546e7a', skipped: '#90a4ae',
    rejected: '#ef6c00', 'timed-out': '#f9a825', failed: '#c62828'
  };
  var charts = [];
  charts.push(new Chart(document.getElementById('compliance-chart'), {
    type: 'bar',
    data: {
      labels: data.compliance.map(function (c) { return c.controlId + ' (' + c.findings + ')'; }),
      datasets: [
        { label: 'Before hubfix', data: data.compliance.map(function (c) { return c.before; }), backgroundColor: '#b0bec5' },
        { label: 'After hubfix', data: data.compliance.map(function (c) { return c.after; }), backgroundColor: '#2e7d32' }
      ]
    },
    options: {
      responsive: true, maintainAspectRatio: false,
      scales: { y: { min: 0, max: 100, title: { display: true, text: '% of findings passing' } } }
    }
  }));
  charts.push(new Chart(document.getElementById('mttr-chart'), {
    type: 'bar',
    data: {
      labels: data.mttr.buckets.map(function (b) { return b.label; }),
      datasets: [{ label: 'Verified fixes', data: data.mttr.buckets.map(function (b) { return b.count; }), backgroundColor: '#1565c0' }]
    },
    options: { responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } },
      scales: {
        y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'fixes' } },
        x: { title: { display: true, text: 'finding received → fix verified' } }
      } }
  }));
  var outcomeNames = Object.keys(data.outcomes);
  charts.push(new Chart(document.getElementById('outcome-chart'), {
    type: 'doughnut',
    data: {
      labels: outcomeNames,
      datasets: [{
        data: outcomeNames.map(function (o) { return data.outcomes[o]; }),
        backgroundColor: outcomeNames.map(function (o) { return outcomeColors[o] || '#999'; })
      }]
    },
    options: { responsive: true, maintainAspectRatio: false, plugins: { legend: { position: 'right' } } }
  }));
  charts.push(new Chart(document.getElementById('decision-chart'), {
    type: 'bar',
    data: {
      labels: ['Automatic', 'Approved'],
      datasets: [{ data: [data.automatic, data.approved], backgroundColor: ['#00838f', '#6a1b9a'] }]
    },
    options: {
      indexAxis: 'y', responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }
    }
  }));
  window.hubfixCharts = charts;
  document.body.setAttribute('data-charts-ready', String(charts.length));
})();
`;

const STYLE = `
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1c2329; background: #f5f7f9; }
  header { background: #232f3e; color: #fff; padding: 18px 32px; }
  header h1 { margin: 0; font-size: 22px; }
  header p { margin: 4px 0 0; color: #c8d1da; font-size: 13px; }
  main { padding: 20px 32px 40px; }
  .cards { display: grid; grid-template-columns: repeat(6, 1fr); gap: 12px; margin-bottom: 18px; }
  .card { background: #fff; border-radius: 6px; padding: 12px 14px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  .card b { display: block; font-size: 22px; }
  .card span { font-size: 12px; color: #5f6b76; }
  .grid { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
  section { background: #fff; border-radius: 6px; padding: 14px 18px; box-shadow: 0 1px 2px rgba(0,0,0,.08); margin-bottom: 16px; }
  section h2 { font-size: 15px; margin: 0 0 4px; }
  section p.def { font-size: 12px; color: #5f6b76; margin: 0 0 10px; }
  .chart { position: relative; height: 260px; }
  table { border-collapse: collapse; width: 100%; font-size: 12px; }
  th, td { text-align: left; border-bottom: 1px solid #e3e7eb; padding: 5px 6px; vertical-align: top; }
  th { background: #f0f3f5; }
  td.id { font-family: ui-monospace, Menlo, Consolas, monospace; word-break: break-all; max-width: 320px; }
  .outcome { font-weight: 600; }
`;

export interface ReportOptions {
  generatedAt: Date;
  /** Where the records came from, shown in the header (a file name, a table name). */
  source: string;
}

const table = (head: string[], rows: unknown[][], idColumns: number[] = []): string =>
  rows.length === 0
    ? '<p class="def">None.</p>'
    : `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
        .map(
          (row) => `<tr>${row.map((cell, i) => `<td${idColumns.includes(i) ? ' class="id"' : ''}>${escapeHtml(cell)}</td>`).join('')}</tr>`,
        )
        .join('')}</tbody></table>`;

const changeText = (r: AuditRecord): string =>
  r.change ? `${r.change.summary} (before ${JSON.stringify(r.change.before)} → after ${JSON.stringify(r.change.after)})` : '';

/** The whole report as one HTML document. */
export const renderReport = (records: AuditRecord[], options: ReportOptions): string => {
  const summary = summarizeAudit(records);
  const chartJs = chartJsBundle();
  const csp =
    `default-src 'none'; script-src ${sha256(chartJs)} ${sha256(APP_SCRIPT)}; style-src 'unsafe-inline'; img-src data:; ` +
    `base-uri 'none'; form-action 'none'`;
  const fixes = summary.compliance.reduce((n, c) => n + Math.round((c.after / 100) * c.findings), 0);
  const decided = summary.automatic + summary.approved;
  const cards: [string, string][] = [
    [String(summary.runs), 'runs'],
    [String(summary.findings), 'findings'],
    [`${percent(fixes, summary.findings)} %`, 'passing after hubfix'],
    [formatDuration(summary.mttr.medianSeconds), `median time to remediate (p90 ${formatDuration(summary.mttr.p90Seconds)})`],
    [
      decided === 0 ? '–' : `${percent(summary.automatic, decided)} %`,
      `automatic (${summary.automatic}) vs approved (${summary.approved})`,
    ],
    [String(summary.pending.length), 'awaiting a decision'],
  ];
  const period = summary.from ? `${summary.from} – ${summary.to}` : 'no runs';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hubfix compliance report</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>hubfix compliance report</h1>
<p>${escapeHtml(period)} · from ${escapeHtml(options.source)} · generated ${escapeHtml(options.generatedAt.toISOString())}</p>
</header>
<main>
<div class="cards">${cards
    .map(([value, label]) => `<div class="card"><b>${escapeHtml(value)}</b><span>${escapeHtml(label)}</span></div>`)
    .join('')}</div>
<div class="grid">
<section><h2>Compliance before and after, per control</h2>
<p class="def">Findings hubfix handled, each judged by its latest run: passing after = fixed and verified, or found already compliant.
(n) = findings.</p>
<div class="chart"><canvas id="compliance-chart" role="img" aria-label="Compliance before and after per control"></canvas>
</div></section>
<section><h2>Time to remediate</h2>
<p class="def">From the finding reaching hubfix to the fix verified, for every verified fix (${summary.mttr.fixes}).</p>
<div class="chart"><canvas id="mttr-chart" role="img" aria-label="Time to remediate distribution"></canvas>
</div></section>
<section><h2>Outcomes</h2>
<p class="def">Every run, by how it ended.</p>
<div class="chart"><canvas id="outcome-chart" role="img" aria-label="Outcomes"></canvas>
</div></section>
<section><h2>Automatic versus approved changes</h2>
<p class="def">Runs the route sent straight to remediation, and runs a person approved.</p>
<div class="chart"><canvas id="decision-chart" role="img" aria-label="Automatic versus approved"></canvas>
</div></section>
</div>
<section><h2>Awaiting a decision (${summary.pending.length})</h2>
<p class="def">Findings whose latest run asked for approval and got no decision before the wait ended:
nothing was changed and the control still fails. Run the custom action again to re-request.
Requests still inside their wait have no audit record yet (it is written when the run ends).</p>
${table(
  ['Control', 'Finding', 'Resource', 'Account / region', 'Requested', 'Why approval was needed'],
  summary.pending.map((p) => [p.controlId, p.title, p.resourceId, `${p.accountId} / ${p.region}`, p.since, p.reason]),
  [2],
)}</section>
<section><h2>Runs (latest ${summary.recent.length} of ${summary.runs})</h2>
<p class="def">The full evidence (assessment facts, before/after, every step time) is in <code>hubfix audit export</code>.</p>
${table(
  ['Ended', 'Control', 'Finding', 'Resource', 'Account / region', 'Outcome', 'Decided by', 'Change', 'Verified'],
  summary.recent.map((r) => [
    r.annotatedAt,
    r.finding.controlId,
    r.finding.title,
    r.finding.resourceId,
    `${r.finding.accountId} / ${r.finding.resourceRegion}`,
    r.outcome,
    r.approval
      ? `${r.approval.decision} by ${r.approval.approver}${r.approval.reason ? `: ${r.approval.reason}` : ''}`
      : r.assessment?.route === 'auto'
        ? 'automatic'
        : '',
    changeText(r),
    r.verification?.observed ?? '',
  ]),
  [3],
)}</section>
</main>
<script type="application/json" id="report-data">${scriptJson({
    compliance: summary.compliance,
    mttr: summary.mttr,
    outcomes: summary.outcomes,
    automatic: summary.automatic,
    approved: summary.approved,
  })}</script>
<script>${chartJs}</script>
<script>${APP_SCRIPT}</script>
</body>
</html>
`;
};
