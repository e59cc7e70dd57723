import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { parseConfig } from '../../functions/platform/config';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { asffFinding, customActionEvent, HOME_ACCOUNT, startCloud } from '../support/workflow';
import { launchChromium } from '../support/chromium';
import { waitFor as waitForValue } from '../support/wait-for';

/**
 * The approval page as a person uses it: the email's link opened in a real (headless Debian) Chromium,
 * the form filled in and a button clicked, then the workflow's outcome read back from the simulated
 * account. `bash .ci/run` installs /usr/bin/chromium; without it this file fails rather than skips.
 * `HUBFIX_SCREENSHOT=1` also writes docs/approval-page.png for the README.
 */

// Browser start, one synthesis and three full workflow runs: far beyond the 30 s default on a slow CI box.
jest.setTimeout(120_000);

const SCREENSHOT = join(__dirname, '../../docs/approval-page.png');

const demoAccount = JSON.parse(readFileSync(join(__dirname, '../../sandbox/fixtures/demo-account.json'), 'utf8')) as Record<
  string,
  unknown
>;
/** The demo's configuration: its data-event source holds the production key's DynamoDB and SQS calls. */
const demoConfig = parseConfig(JSON.parse(readFileSync(join(__dirname, '../../sandbox/fixtures/demo.config.json'), 'utf8')));
const ORDERS_KEY = 'AKIAIOSFODNN7ORDERS1';
const ORDERS_USER_ARN = `arn:aws:iam::${HOME_ACCOUNT}:user/orders-service`;
const ROTATION_TITLE = "IAM.3 IAM users' access keys should be rotated every 90 days or less";

const ordersKeyFinding = (title = ROTATION_TITLE): Record<string, unknown> =>
  asffFinding({ controlId: 'IAM.3', resourceType: 'AwsIamUser', resourceId: ORDERS_USER_ARN, title });

interface FindingState {
  workflowStatus?: string;
  outcome?: string;
  note: string;
}

const findingState = (cloud: LocalCloud, finding: Record<string, unknown>): FindingState => {
  const f = cloud.sim.finding(String(finding.Id), String(finding.ProductArn))?.finding as
    { Workflow?: { Status?: string }; Note?: { Text?: string }; UserDefinedFields?: Record<string, string> } | undefined;
  return { workflowStatus: f?.Workflow?.Status, outcome: f?.UserDefinedFields?.['hubfix:outcome'], note: f?.Note?.Text ?? '' };
};

const ordersKeyStatus = (cloud: LocalCloud): string | undefined => {
  const iam = cloud.sim.snapshot()[HOME_ACCOUNT].iam as Record<string, Record<string, string>>;
  return iam['user/orders-service']?.[ORDERS_KEY];
};

/** Waits longer than the shared default: this suite drives a whole demo or a browser. */
const waitFor = <T>(what: string, probe: () => T | undefined): Promise<T> => waitForValue(what, probe, 20_000);

/**
 * An analyst picks "Remediate" on the finding; returns the link of the approval email once the workflow
 * waits for a person (email sent and finding marked NOTIFIED).
 */
const requestApprovalByEmail = async (cloud: LocalCloud, finding: Record<string, unknown>): Promise<string> => {
  cloud.sim.importFinding(finding); // Security Hub holds the finding the event carries
  const delivered = await cloud.deliver(customActionEvent([finding]));
  expect(delivered?.batchItemFailures ?? []).toEqual([]);
  const email = await waitFor('the approval email', () => cloud.sim.published[0]);
  await waitFor('the finding to be marked awaiting approval', () =>
    findingState(cloud, finding).outcome === 'awaiting-approval' ? true : undefined,
  );
  const links = email.message.match(/https?:\/\/\S+/g) ?? [];
  expect(links).toEqual([expect.stringContaining(`${cloud.approvalBaseUrl}/approvals/`)]); // one link, to the confirmation page
  return links[0] as string;
};

const expectNoDecisionYet = (cloud: LocalCloud, finding: Record<string, unknown>): void => {
  expect(findingState(cloud, finding)).toMatchObject({ workflowStatus: 'NOTIFIED', outcome: 'awaiting-approval' });
  expect(findingState(cloud, finding).note).toMatch(/^Awaiting approval/);
  expect(ordersKeyStatus(cloud)).toBe('Active');
  expect([...cloud.stepFunctions.executions.values()].map((e) => e.status)).toEqual(['RUNNING']);
};

const pageText = (page: Page): Promise<string> => page.locator('body').innerText();

let browser: Browser;
let context: BrowserContext;
let cloud: LocalCloud | undefined;
let dialogs: string[];

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

beforeEach(async () => {
  context = await browser.newContext({ viewport: { width: 960, height: 900 } });
  dialogs = [];
  context.on('page', (page) =>
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    }),
  );
});

afterEach(async () => {
  await context?.close();
  await cloud?.stop();
  cloud = undefined;
});

/** Opens the emailed link and signs in at the local identity provider as a demo person; returns the approval page's response. */
const signIn = async (page: Page, link: string, login: string) => {
  await page.goto(link);
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Password').fill('demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: /^Approve a change/ }).waitFor();
  return page.reload();
};

describe('approval page in a real browser', () => {
  it('shows the finding, evidence and plan without deciding, and deactivates the key once approved', async () => {
    // Prepare
    cloud = await startCloud(demoAccount, demoConfig);
    const finding = ordersKeyFinding();
    const link = await requestApprovalByEmail(cloud, finding);
    const page = await context.newPage();

    // Act: open the email's link and sign in
    const response = await signIn(page, link, 'ana');

    // Assess: everything the approver needs is on the page, and looking decided nothing
    expect(response?.status()).toBe(200);
    const shown = await pageText(page);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toContain(ORDERS_USER_ARN);
    expect(shown).toContain(ROTATION_TITLE);
    expect(shown).toContain(`AwsIamUser: ${ORDERS_USER_ARN}`);
    expect(shown).toContain('User orders-service is tagged environment=production.');
    expect(shown).toMatch(/Calls came from instance i-0a1b2c3d4e5f60718 \(running\), tagged environment=production/);
    expect(shown).toContain(`Deactivate access key ${ORDERS_KEY} of IAM user orders-service (set Inactive, not deleted)`);
    expect(shown).toContain(`iam:UpdateAccessKey UserName=orders-service AccessKeyId=${ORDERS_KEY} Status=Inactive`);
    expectNoDecisionYet(cloud, finding);
    if (process.env.HUBFIX_SCREENSHOT === '1') {
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }

    // Act: decide as a person would
    await page.getByLabel(/^Reason/).fill('Key rotated in the orders deployment yesterday');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('heading', { name: /decision recorded/i }).waitFor();
    await cloud.settle();

    // Assess
    const decided = await pageText(page);
    expect(decided).toMatch(/Decision\s+approved/);
    expect(decided).toMatch(/By\s+Ana Approver <ana@example.test>/);
    expect(findingState(cloud, finding)).toMatchObject({ workflowStatus: 'RESOLVED', outcome: 'resolved' });
    expect(findingState(cloud, finding).note).toContain('after approval by Ana Approver <ana@example.test>');
    expect(ordersKeyStatus(cloud)).toBe('Inactive');
  });

  it('refuses a rejection without a reason, then records the rejection and changes nothing', async () => {
    // Prepare
    cloud = await startCloud(demoAccount, demoConfig);
    const finding = ordersKeyFinding();
    const link = await requestApprovalByEmail(cloud, finding);
    const page = await context.newPage();
    await signIn(page, link, 'bo');

    // Act: reject without a reason
    await page.getByRole('button', { name: 'Reject' }).click();
    const error = page.getByRole('alert');
    await error.waitFor();

    // Assess: refused, nothing decided
    expect(await error.innerText()).toBe('A reason is required to reject.');
    expectNoDecisionYet(cloud, finding);

    // Act: reject with a reason
    await page.getByLabel(/^Reason/).fill('orders-service is mid-migration; rotate after Friday');
    await page.getByRole('button', { name: 'Reject' }).click();
    await page.getByRole('heading', { name: /decision recorded/i }).waitFor();
    await cloud.settle();

    // Assess
    expect(await pageText(page)).toMatch(/Decision\s+rejected/);
    expect(findingState(cloud, finding)).toMatchObject({ workflowStatus: 'NOTIFIED', outcome: 'rejected' });
    expect(findingState(cloud, finding).note).toMatch(
      /rejected by Bo Approver <bo@example\.test>: "orders-service is mid-migration; rotate after Friday"\. Nothing was changed/,
    );
    expect(ordersKeyStatus(cloud)).toBe('Active');
  });

  it('shows a hostile finding title as text, runs none of it, and sends a Content-Security-Policy', async () => {
    // Prepare
    const hostileTitle = 'IAM.3 <img src=x onerror=alert(1)><script>alert(2)</script>';
    cloud = await startCloud(demoAccount, demoConfig);
    const link = await requestApprovalByEmail(cloud, ordersKeyFinding(hostileTitle));
    const page = await context.newPage();

    // Act
    const response = await signIn(page, link, 'bo');
    await page.waitForLoadState('load');

    // Assess
    expect(response?.status()).toBe(200);
    expect(await pageText(page)).toContain(hostileTitle);
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(dialogs).toEqual([]);
    const csp = (await response?.allHeaders())?.['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/script-src|unsafe-inline/);

    // Act: reject, so the workflow ends (a waiting execution would hold its timeout timer open)
    await page.getByLabel(/^Reason/).fill('suspicious finding title');
    await page.getByRole('button', { name: 'Reject' }).click();
    await page.getByRole('heading', { name: /decision recorded/i }).waitFor();
    await cloud.settle();

    // Assess: the decided page repeats the title, still as text
    expect(await pageText(page)).toContain(hostileTitle);
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });
});
