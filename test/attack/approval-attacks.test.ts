import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { answerApproval, approvalLinkIn, LoopbackBrowser, signInAt } from '../../sandbox/approver';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { getApproval } from '../../functions/approval/approval-store';
import { annotationOf, asffFinding, customActionEvent, HOME_ACCOUNT, keyStatus, startCloud } from '../support/workflow';
import { launchChromium } from '../support/chromium';
import { waitFor } from '../support/wait-for';
import { captureLogs, logAtDebug } from '../support/captured-logs';

/**
 * Attacks on the approval link, end to end: the real approval email of a real waiting execution, its link used
 * (and abused) over HTTP against the local API Gateway, partly in headless Chromium. Each case asserts the
 * response, how many decisions reached Step Functions (SendTaskSuccess in the simulated account), the
 * workflow's final outcome, and that no log line carries the task token, a link signature or the signing key.
 * Handler-level variants of some cases live in test/approval/approval-api.test.ts; these go through everything.
 */

jest.setTimeout(60_000);

const demoAccount = JSON.parse(readFileSync(join(__dirname, '../../sandbox/fixtures/demo-account.json'), 'utf8')) as Record<
  string,
  unknown
>;
const LINK_SECRET_ID = 'hubfix/approval-link-key';

const userFinding = (user: string, overrides: { title?: string; resourceId?: string } = {}) =>
  asffFinding({
    controlId: 'IAM.3',
    resourceType: 'AwsIamUser',
    resourceId: overrides.resourceId ?? `arn:aws:iam::${HOME_ACCOUNT}:user/${user}`,
    title: overrides.title,
    suffix: overrides.title ? 'hostile' : undefined,
  });

const logLines = captureLogs();

interface Waiting {
  link: string;
  url: URL;
  approvalId: string;
  e: string;
  s: string;
  finding: Record<string, unknown>;
}

/** Sends the findings through intake and returns, per finding, its emailed link once its execution waits. */
const requestApprovals = async (cloud: LocalCloud, findings: Record<string, unknown>[]): Promise<Waiting[]> => {
  for (const finding of findings) cloud.sim.importFinding(finding);
  const delivered = await cloud.deliver(customActionEvent(findings));
  expect(delivered?.batchItemFailures ?? []).toEqual([]);
  await waitFor('the approval emails', () => (cloud.sim.published.length === findings.length ? true : undefined));
  await waitFor('every execution to wait', () => (cloud.stepFunctions.waitingExecutions().length === findings.length ? true : undefined));
  const waiting = cloud.sim.published.map((email) => {
    const link = approvalLinkIn(email);
    if (!link) throw new Error('an approval email without a link');
    const url = new URL(link);
    const approvalId = decodeURIComponent(url.pathname.split('/').pop() ?? '');
    const finding =
      findings.find((f) =>
        email.message.includes(
          String((f.Resources as { Id: string }[])[0].Id)
            .split('/')
            .pop() ?? '\0',
        ),
      ) ?? findings[0];
    return { link, url, approvalId, e: url.searchParams.get('e') ?? '', s: url.searchParams.get('s') ?? '', finding };
  });
  opened.push(...waiting);
  return waiting;
};

/** Links of this test's approvals: a test that fails half-way still ends its executions (a wait would hold jest for 24 h). */
const opened: Waiting[] = [];

/** Each demo person's signed-in session in this test's cloud (signed in once, through the local identity provider). */
const sessions = new Map<string, { cookie: string; csrf: string }>();

const sessionOf = async (who: string): Promise<{ cookie: string; csrf: string }> => {
  const known = sessions.get(who);
  if (known) return known;
  const browser = new LoopbackBrowser();
  const page = await signInAt(browser, opened[0].link, who);
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)?.[1] ?? '';
  const cookie = [...browser.cookies(page.url.origin)].map(([name, value]) => `${name}=${value}`).join('; ');
  const session = { cookie, csrf };
  sessions.set(who, session);
  return session;
};

/** A decision POST from a signed-in person's browser (their session cookie and CSRF token), with whatever form body. */
const post = async (
  url: string,
  fields: Record<string, string> | string,
  contentType = 'application/x-www-form-urlencoded',
  who = 'ana',
) => {
  const { cookie, csrf } = await sessionOf(who);
  const body =
    typeof fields === 'string' ? (fields === '' ? '' : `${fields}&csrf=${csrf}`) : new URLSearchParams({ ...fields, csrf }).toString();
  return fetch(url, { method: 'POST', headers: { 'content-type': contentType, cookie }, body });
};

const pathOf = (w: Waiting): string => `${w.url.origin}${w.url.pathname}`;

const decisions = (cloud: LocalCloud) => cloud.sim.calls.filter((c) => c.command === 'SendTaskSuccess' || c.command === 'SendTaskFailure');

/** Nothing decided yet: the record is PENDING, no SendTask* call, the execution still waits, the key untouched. */
const expectUndecided = async (cloud: LocalCloud, w: Waiting, user = 'orders-service'): Promise<void> => {
  expect((await getApproval(cloud.runtime, w.approvalId))?.status).toBe('PENDING');
  expect(decisions(cloud)).toHaveLength(0);
  expect(cloud.stepFunctions.waitingExecutions()).toHaveLength(cloud.sim.published.length);
  expect(keyStatus(cloud, user)).toBe('Active');
};

/** The secrets of this cloud: task tokens (from the approvals table), issued signatures, the signing key. */
const secretsOf = async (cloud: LocalCloud, waiting: Waiting[]): Promise<string[]> => {
  const tokens = await Promise.all(waiting.map(async (w) => (await getApproval(cloud.runtime, w.approvalId))?.taskToken ?? ''));
  return [...tokens, ...waiting.map((w) => w.s), cloud.sim.secrets.get(LINK_SECRET_ID) ?? ''].filter((s) => s.length >= 16);
};

const expectNoSecretsLogged = (secrets: string[]): void => {
  expect(logLines.length).toBeGreaterThan(0); // the capture works: the handlers did log
  for (const line of logLines) for (const secret of secrets) expect(line).not.toContain(secret);
};

let cloud: LocalCloud | undefined;

beforeEach(async () => {
  sessions.clear();
  cloud = await startCloud(demoAccount);
  logAtDebug(cloud);
});

afterEach(async () => {
  for (const w of opened.splice(0)) await answerApproval(w.link, 'reject', 'bo', 'test ended').catch(() => undefined);
  await cloud?.settle();
  await cloud?.stop();
  cloud = undefined;
});

describe('tampered links decide nothing', () => {
  it('refuses a forged signature (GET and POST: 403), then the real link still works and the workflow follows it', async () => {
    // Prepare
    const c = cloud as LocalCloud;
    const [w] = await requestApprovals(c, [userFinding('orders-service')]);
    const forged = `${w.s.slice(0, -4)}${w.s.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;

    // Act
    const page = await fetch(`${pathOf(w)}?e=${w.e}&s=${forged}`);
    const decide = await post(pathOf(w), { e: w.e, s: forged, decision: 'approve' });
    const pageBody = await page.text();

    // Assess
    expect(page.status).toBe(403);
    expect(decide.status).toBe(403);
    expect(pageBody).not.toContain('name="decision"');
    await expectUndecided(c, w);
    expect(await answerApproval(w.link, 'reject', 'ana', 'not now')).toBe(200);
    await c.settle();
    expect(annotationOf(c, w.finding)).toMatchObject({ outcome: 'rejected', workflowStatus: 'NOTIFIED' });
    expect(decisions(c)).toHaveLength(1);
    expectNoSecretsLogged(await secretsOf(c, [w]));
  });

  it.each([
    ['without its signature', (w: Waiting) => `${pathOf(w)}?e=${w.e}`, 403],
    ['without its expiry', (w: Waiting) => `${pathOf(w)}?s=${w.s}`, 403],
    ['cut in the middle of the signature', (w: Waiting) => w.link.slice(0, w.link.length - 20), 403],
    ['cut in the middle of the approval id', (w: Waiting) => `${w.url.origin}/approvals/${w.approvalId.slice(0, 10)}`, 404],
    ['with its expiry pushed back a week', (w: Waiting) => `${pathOf(w)}?e=${Number(w.e) + 7 * 86400}&s=${w.s}`, 403],
    [
      'with one character of the approval id changed',
      (w: Waiting) => `${w.url.origin}/approvals/${w.approvalId.slice(0, -1)}${w.approvalId.endsWith('A') ? 'B' : 'A'}?e=${w.e}&s=${w.s}`,
      403,
    ],
  ])('refuses a link %s, by GET and by POST', async (_name, tamper, status) => {
    // Prepare
    const c = cloud as LocalCloud;
    const [w] = await requestApprovals(c, [userFinding('orders-service')]);
    const tampered = new URL(tamper(w));

    // Act
    const page = await fetch(tampered);
    const decide = await post(`${tampered.origin}${tampered.pathname}`, {
      e: tampered.searchParams.get('e') ?? '',
      s: tampered.searchParams.get('s') ?? '',
      decision: 'approve',
    });

    // Assess
    expect(page.status).toBe(status);
    expect(decide.status).toBe(status);
    await expectUndecided(c, w);
    expect(await answerApproval(w.link, 'approve', 'ana', '')).toBe(200);
    await c.settle();
    expect(annotationOf(c, w.finding)).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expectNoSecretsLogged(await secretsOf(c, [w]));
  });

  it('refuses an expired link with 410 even while the workflow still waits, and decides nothing', async () => {
    // Prepare: the handlers' clock moves past the link's expiry (the wait itself is wall time and goes on)
    const c = cloud as LocalCloud;
    const [w] = await requestApprovals(c, [userFinding('orders-service')]);
    await sessionOf('ana'); // signed in while the link was valid
    const realNow = c.runtime.now;
    c.runtime.now = () => new Date(realNow().getTime() + 2 * 86_400_000);

    // Act
    const page = await fetch(w.link);
    const decide = await post(pathOf(w), { e: w.e, s: w.s, decision: 'approve' });

    // Assess
    expect(page.status).toBe(410);
    // Two days on, the 15-minute sign-in has expired too: the POST is refused before the link is even read.
    expect(decide.status).toBe(401);
    expect(await decide.text()).toMatch(/Sign in first/);
    await expectUndecided(c, w);
    c.runtime.now = realNow;
    expect(await answerApproval(w.link, 'reject', 'ana', 'expired test')).toBe(200);
    await c.settle();
    expect(annotationOf(c, w.finding).outcome).toBe('rejected');
    expectNoSecretsLogged(await secretsOf(c, [w]));
  });

  it("refuses one approval's link on another's id: both executions keep waiting, each decided only by its own link", async () => {
    // Prepare: two findings wait for approval at once
    const c = cloud as LocalCloud;
    const [a, b] = await requestApprovals(c, [userFinding('orders-service'), userFinding('dev-alice')]);

    // Act
    const crossGet = await fetch(`${pathOf(b)}?e=${a.e}&s=${a.s}`);
    const crossPost = await post(pathOf(b), { e: a.e, s: a.s, decision: 'approve' });

    // Assess
    expect(crossGet.status).toBe(403);
    expect(crossPost.status).toBe(403);
    expect((await getApproval(c.runtime, a.approvalId))?.status).toBe('PENDING');
    expect((await getApproval(c.runtime, b.approvalId))?.status).toBe('PENDING');
    expect(decisions(c)).toHaveLength(0);
    expect(await answerApproval(a.link, 'approve', 'ana', '')).toBe(200);
    expect(await answerApproval(b.link, 'reject', 'ana', 'dev key, leave it')).toBe(200);
    await c.settle();
    expect(annotationOf(c, a.finding).outcome).toBe('resolved');
    expect(annotationOf(c, b.finding).outcome).toBe('rejected');
    expect(keyStatus(c, 'orders-service')).toBe('Inactive');
    expect(keyStatus(c, 'dev-alice')).toBe('Active');
    expectNoSecretsLogged(await secretsOf(c, [a, b]));
  });
});

describe('one decision, exactly once', () => {
  it('answers a replayed POST with 409, keeps the first decision and sends one SendTaskSuccess', async () => {
    // Prepare
    const c = cloud as LocalCloud;
    const [w] = await requestApprovals(c, [userFinding('orders-service')]);
    const first = await post(pathOf(w), { e: w.e, s: w.s, decision: 'approve', reason: '' });

    // Act
    const replay = await post(pathOf(w), { e: w.e, s: w.s, decision: 'reject', reason: 'replayed' });
    await c.settle();

    // Assess
    expect(first.status).toBe(200);
    expect(replay.status).toBe(409);
    expect(await replay.text()).toContain('Ana Approver &lt;ana@example.test&gt;');
    expect(decisions(c)).toHaveLength(1);
    expect(annotationOf(c, w.finding)).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(annotationOf(c, w.finding).note).toContain('after approval by Ana Approver <ana@example.test>');
    expectNoSecretsLogged(await secretsOf(c, [w]));
  });

  it('gives one winner when approve and reject race: one 200, one 409, one decision, the workflow follows it', async () => {
    // Prepare
    const c = cloud as LocalCloud;
    const [w] = await requestApprovals(c, [userFinding('orders-service')]);

    // Act
    const [approve, reject] = await Promise.all([
      post(pathOf(w), { e: w.e, s: w.s, decision: 'approve' }),
      post(pathOf(w), { e: w.e, s: w.s, decision: 'reject', reason: 'racing' }, undefined, 'bo'),
    ]);
    await c.settle();

    // Assess
    expect([approve.status, reject.status].sort()).toEqual([200, 409]);
    expect(decisions(c)).toHaveLength(1);
    const approveWon = approve.status === 200;
    expect(annotationOf(c, w.finding).outcome).toBe(approveWon ? 'resolved' : 'rejected');
    expect(keyStatus(c, 'orders-service')).toBe(approveWon ? 'Inactive' : 'Active');
    expect((await getApproval(c.runtime, w.approvalId))?.approver).toBe(
      approveWon ? 'Ana Approver <ana@example.test>' : 'Bo Approver <bo@example.test>',
    );
    expectNoSecretsLogged(await secretsOf(c, [w]));
  });

  it('records a decision swapped in transit as posted (the link is a bearer capability): one decision, the page shows it', async () => {
    // Prepare: a third party holding the link rewrites the approver's "approve" to "reject" before it arrives.
    // What the design guarantees: the signature binds the approval id and expiry, not the decision; transport
    // integrity is TLS's job (API Gateway serves HTTPS only). What it adds: exactly one decision is recorded,
    // the response names it, and the finding's note says who decided what, so a swap cannot go unseen.
    const c = cloud as LocalCloud;
    const [w] = await requestApprovals(c, [userFinding('orders-service')]);
    const intercepted = { e: w.e, s: w.s, decision: 'approve', reason: '' };

    // Act
    const swapped = await post(pathOf(w), { ...intercepted, decision: 'reject', reason: 'swapped in transit' });
    const original = await post(pathOf(w), intercepted);
    await c.settle();

    // Assess
    expect(swapped.status).toBe(200);
    expect(await swapped.text()).toMatch(/rejected/);
    expect(original.status).toBe(409);
    expect(await original.text()).toMatch(/rejected/); // the real approver is told the request was already rejected
    expect(decisions(c)).toHaveLength(1);
    expect(annotationOf(c, w.finding)).toMatchObject({ outcome: 'rejected', workflowStatus: 'NOTIFIED' });
    expect(annotationOf(c, w.finding).note).toMatch(/rejected by Ana Approver <ana@example\.test>: "swapped in transit"/);
    expect(keyStatus(c, 'orders-service')).toBe('Active');
    expectNoSecretsLogged(await secretsOf(c, [w]));
  });

  it('lets a link scanner GET, HEAD and OPTIONS the link as often as it likes without deciding anything', async () => {
    // Prepare
    const c = cloud as LocalCloud;
    const [w] = await requestApprovals(c, [userFinding('orders-service')]);

    // Act
    const gets = await Promise.all(
      Array.from({ length: 5 }, () => fetch(w.link, { headers: { 'user-agent': 'Mimecast-LinkScanner/1.0' } })),
    );
    const head = await fetch(w.link, { method: 'HEAD' });
    const options = await fetch(w.link, { method: 'OPTIONS' });

    // Assess
    expect(gets.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(head.status).toBe(405);
    expect(options.status).toBe(405);
    expect(options.headers.get('allow')).toBe('GET, POST');
    await expectUndecided(c, w);
    expect(await answerApproval(w.link, 'approve', 'ana', '')).toBe(200);
    await c.settle();
    expect(annotationOf(c, w.finding).outcome).toBe('resolved');
    expectNoSecretsLogged(await secretsOf(c, [w]));
  });
});

describe('hostile bodies', () => {
  it.each([
    [
      'an oversized form (20 KB reason)',
      (w: Waiting) => post(pathOf(w), { e: w.e, s: w.s, decision: 'approve', reason: 'r'.repeat(20_000) }),
      413,
    ],
    ['one 9 KB field name', (w: Waiting) => post(pathOf(w), `e=${w.e}&s=${w.s}&decision=approve&${'k'.repeat(9_000)}=1`), 413],
    [
      'a 200 KB body (reaches the function, as through API Gateway)',
      (w: Waiting) => post(pathOf(w), `e=${w.e}&s=${w.s}&decision=approve&reason=${'r'.repeat(200_000)}`),
      413,
    ],
    ['a JSON body', (w: Waiting) => post(pathOf(w), JSON.stringify({ e: w.e, s: w.s, decision: 'approve' }), 'application/json'), 415],
    ['two decisions in one form', (w: Waiting) => post(pathOf(w), `e=${w.e}&s=${w.s}&decision=approve&decision=reject&reason=x`), 400],
    ['no form at all', (w: Waiting) => post(pathOf(w), ''), 403],
  ])('refuses %s and decides nothing', async (_name, send, status) => {
    // Prepare
    const c = cloud as LocalCloud;
    const [w] = await requestApprovals(c, [userFinding('orders-service')]);

    // Act
    const response = await send(w);

    // Assess
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect((await response.text()).length).toBeGreaterThan(0);
    await expectUndecided(c, w);
    expect(await answerApproval(w.link, 'reject', 'ana', 'end of test')).toBe(200);
    await c.settle();
    expect(annotationOf(c, w.finding).outcome).toBe('rejected');
    expectNoSecretsLogged(await secretsOf(c, [w]));
  });
});

describe('lenient decoding', () => {
  it('decodes broken percent-encoding the WHATWG way (U+FFFD), records exactly one decision and shows the reason escaped', async () => {
    // Prepare: not a refusal case: a form decoder must not throw on bad escapes, and the reason is free text
    const c = cloud as LocalCloud;
    const [w] = await requestApprovals(c, [userFinding('orders-service')]);

    // Act
    const response = await post(pathOf(w), `e=${w.e}&s=${w.s}&decision=reject&reason=%E0%A4%A<b>%zz`);
    await c.settle();

    // Assess
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain('\uFFFD%A&lt;b&gt;%zz');
    expect(body).not.toContain('<b>');
    expect(decisions(c)).toHaveLength(1);
    expect((await getApproval(c.runtime, w.approvalId))?.reason).toBe('\uFFFD%A<b>%zz');
    expect(annotationOf(c, w.finding).outcome).toBe('rejected');
    expectNoSecretsLogged(await secretsOf(c, [w]));
  });
});

describe('injection through what the page shows (headless Chromium)', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows a hostile title, resource id and reason as text: no element injected, no script run', async () => {
    // Prepare: the title and the IAM path of the resource ARN carry markup; the user is still orders-service
    const c = cloud as LocalCloud;
    const title = 'IAM.3 </dd><script>alert("title")</script><img src=x onerror=alert(1)>';
    const resourceId = `arn:aws:iam::${HOME_ACCOUNT}:user/"><svg onload=alert(2)>/orders-service`;
    const [w] = await requestApprovals(c, [userFinding('orders-service', { title, resourceId })]);
    const context = await browser.newContext();
    const dialogs: string[] = [];
    context.on('page', (p) => p.on('dialog', (d) => void d.dismiss().then(() => dialogs.push(d.message()))));
    const page = await context.newPage();

    // Act: open the email's link, then decide with a hostile name and reason
    await page.goto(w.link);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Login').fill('ana');
    await page.getByLabel('Password').fill('demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: /^Approve a change/ }).waitFor();
    const shownText = await page.locator('body').innerText();
    const injectedOnPage = await page.locator('main script, main img, main svg, main iframe').count();
    await page.getByLabel(/^Reason/).fill('</textarea><script>alert(4)</script><img src=x onerror=alert(3)>');
    await page.getByRole('button', { name: 'Reject' }).click();
    await page.getByRole('heading', { name: /decision recorded/i }).waitFor();
    const decidedText = await page.locator('body').innerText();
    const injectedAfter = await page.locator('main script, main img, main svg, main iframe').count();
    await context.close();
    await c.settle();

    // Assess
    expect(shownText).toContain(title);
    expect(shownText).toContain(resourceId);
    expect(injectedOnPage).toBe(0);
    expect(decidedText).toContain('<img src=x onerror=alert(3)>');
    expect(decidedText).toContain('</textarea><script>alert(4)</script>');
    expect(injectedAfter).toBe(0);
    expect(dialogs).toEqual([]);
    expect(decisions(c)).toHaveLength(1);
    expect(annotationOf(c, w.finding).outcome).toBe('rejected');
    expectNoSecretsLogged(await secretsOf(c, [w]));
  });
});

describe('signature comparison', () => {
  it('compares signatures with crypto.timingSafeEqual, never with a string comparison', () => {
    // A statistical timing test is flaky on a shared machine; the code is the evidence.
    const source = readFileSync(join(__dirname, '../../functions/approval/approval-link.ts'), 'utf8');
    const verify = source.slice(source.indexOf('export const verifyApprovalSignature'));

    expect(source).toMatch(/import \{[^}]*\btimingSafeEqual\b[^}]*\} from 'node:crypto'/);
    expect(verify).toMatch(/timingSafeEqual\(given, expected\)/);
    expect(verify).toMatch(/given\.length !== expected\.length/); // timingSafeEqual throws on unequal lengths
    expect(verify).not.toMatch(/signature\s*[!=]==|[!=]==\s*signature|expected\s*[!=]==|\.equals\(/);
  });
});
