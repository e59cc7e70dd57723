import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, type Page } from 'playwright-core';
import type { AuditRecord } from '../../functions/audit/audit';
import { localAuditRecords } from '../../sandbox/audit-file';
import { renderReport, summarizeAudit } from '../../cli/compliance-report';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { asffFinding, customActionEvent, HOME_ACCOUNT, oneSecondApproval, runToEnd, startCloud, type Decision } from '../support/workflow';
import { scenarioFile } from '../support/scenario-files';
import { launchChromium } from '../support/chromium';

/**
 * The compliance report as a person opens it: records from real workflow runs (automatic, approved, rejected,
 * timed out, and findings of other controls), rendered to HTML and opened in headless Debian Chromium.
 * `HUBFIX_SCREENSHOT=1` also writes docs/report.png for the README.
 */

jest.setTimeout(180_000);

const SCREENSHOT = join(__dirname, '../../docs/report.png');
const FIXTURES = join(__dirname, '../../sandbox/fixtures');
const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

const HOSTILE_TITLE = `IAM.3 </script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> & 'quotes'`;
const keyFinding = (user: string, title?: string) =>
  asffFinding({
    controlId: 'IAM.3',
    resourceType: 'AwsIamUser',
    resourceId: `arn:aws:iam::${HOME_ACCOUNT}:user/${user}`,
    title,
    suffix: title ? 'hostile' : undefined,
  });

/** Runs an event on a fresh cloud and returns the audit records it left. */
const recordsOf = async (
  fixture: unknown,
  event: unknown,
  decision: Decision,
  config?: Parameters<typeof startCloud>[1],
): Promise<AuditRecord[]> => {
  let cloud: LocalCloud | undefined;
  try {
    cloud = await startCloud(fixture, config);
    await runToEnd(cloud, event, decision);
    return await localAuditRecords(cloud);
  } finally {
    await cloud?.stop();
  }
};

let records: AuditRecord[];
let browser: Browser;
let page: Page;
let dir: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  // Prepare: real runs. The demo account (automatic + approved, a rejection whose finding title is hostile,
  // an unanswered request that times out) and two other controls' scenarios.
  const demo = readJson(join(FIXTURES, 'demo-account.json'));
  const scenario = (name: string) => [readJson(scenarioFile(name, 'scenario.json')), readJson(scenarioFile(name, 'scenario-event.json'))];
  const first = await Promise.all([
    recordsOf(demo, customActionEvent([keyFinding('ci-legacy'), keyFinding('orders-service')]), 'approve'),
    recordsOf(demo, customActionEvent([keyFinding('dev-alice', HOSTILE_TITLE)]), 'reject'),
    recordsOf(...(scenario('ebs-default-encryption') as [unknown, unknown]), 'approve'),
    recordsOf(...(scenario('kms-key-rotation') as [unknown, unknown]), 'approve'),
  ]);
  // Later, the orders-service finding again: this time nobody answers (its latest run is the timed-out one).
  const later = await recordsOf(demo, customActionEvent([keyFinding('orders-service')]), 'none', oneSecondApproval());
  records = [...first.flat(), ...later];

  dir = mkdtempSync(join(tmpdir(), 'hubfix-report-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, renderReport(records, { generatedAt: new Date(), source: 'compliance-report.e2e.test.ts' }));
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  await context.route(/^(?!file:)/, (route) => route.abort()); // self-contained: nothing may be fetched
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-charts-ready="4"]', { timeout: 20_000 });
});

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the compliance report in a browser', () => {
  it('comes from real runs of every kind', () => {
    expect([...new Set(records.map((r) => r.outcome))]).toEqual(expect.arrayContaining(['resolved', 'rejected', 'timed-out', 'skipped']));
    expect(new Set(records.map((r) => r.finding.controlId)).size).toBeGreaterThanOrEqual(3);
  });

  it('draws four charts with Chart.js (inlined), each canvas painted', async () => {
    // Act
    const charts = await page.evaluate(() => {
      const w = window as unknown as { Chart: { instances: Record<string, { canvas: HTMLCanvasElement; config: { type: string } }> } };
      return Object.values(w.Chart.instances).map((chart) => {
        const blank = document.createElement('canvas');
        blank.width = chart.canvas.width;
        blank.height = chart.canvas.height;
        return {
          id: chart.canvas.id,
          type: chart.config.type,
          painted: chart.canvas.toDataURL(),
          blank: blank.toDataURL(),
          width: chart.canvas.width,
        };
      });
    });

    // Assess
    expect(charts.map((c) => `${c.id}:${c.type}`).sort()).toEqual([
      'compliance-chart:bar',
      'decision-chart:bar',
      'mttr-chart:bar',
      'outcome-chart:doughnut',
    ]);
    for (const chart of charts) {
      expect(chart.width).toBeGreaterThan(100);
      expect(chart.painted).not.toBe(chart.blank);
      expect(chart.painted.length).toBeGreaterThan(chart.blank.length + 2000);
    }
    expect(pageErrors).toEqual([]);
  });

  it('fills the compliance chart per control (before/after) and the MTTR histogram from the runs', async () => {
    // Prepare
    const summary = summarizeAudit(records);

    // Act
    const data = await page.evaluate(() => {
      const w = window as unknown as {
        Chart: { getChart: (id: string) => { data: { labels: string[]; datasets: { label?: string; data: number[] }[] } } };
      };
      const compliance = w.Chart.getChart('compliance-chart').data;
      const mttr = w.Chart.getChart('mttr-chart').data;
      return {
        labels: compliance.labels,
        before: compliance.datasets[0].data,
        after: compliance.datasets[1].data,
        mttr: mttr.datasets[0].data,
      };
    });

    // Assess
    const iam = data.labels.findIndex((label) => label.startsWith('IAM.3'));
    expect(data.labels[iam]).toBe('IAM.3 (3)'); // ci-legacy, orders-service (latest run: timed out), dev-alice
    expect(data.before[iam]).toBe(0);
    expect(data.after[iam]).toBe(33.3); // only ci-legacy's fix stands
    expect(data.after[data.labels.findIndex((label) => label.startsWith('EC2.7'))]).toBe(100);
    expect(data.mttr.reduce((a, b) => a + b, 0)).toBe(summary.mttr.fixes);
    expect(summary.mttr.fixes).toBe(records.filter((r) => r.outcome === 'resolved').length);
  });

  it('lists the finding awaiting a decision', async () => {
    // Act
    const pending = await page.locator('section', { hasText: 'Awaiting a decision' }).locator('tbody tr').allTextContents();

    // Assess
    expect(pending).toHaveLength(1);
    expect(pending[0]).toContain('user/orders-service');
  });

  it('shows a hostile finding title as text: no script runs, no element is injected', async () => {
    // Act
    const state = await page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: number }).__pwned,
      images: document.querySelectorAll('img').length,
      scripts: document.querySelectorAll('script').length,
    }));
    const cells = await page.locator('td', { hasText: '</script><script>window.__pwned = 1</script>' }).allTextContents();

    // Assess
    expect(state).toEqual({ pwned: undefined, images: 0, scripts: 3 }); // data, Chart.js, the report's own script
    expect(cells).toContain(HOSTILE_TITLE);
  });

  it('writes docs/report.png when asked', async () => {
    if (process.env.HUBFIX_SCREENSHOT !== '1') return;
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });
});
