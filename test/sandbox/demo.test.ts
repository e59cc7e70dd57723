import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile } from '../../infra/build-app';
import { LoopbackBrowser, signInAt, submitDecision } from '../../sandbox/approver';
import { runDemo, type DemoOptions } from '../../sandbox/demo';
import { loadFixture } from '../../sandbox/fixture';
import { waitFor as waitForValue } from '../support/wait-for';

/**
 * `npm run demo` without --approve: it prints each approval link and the demo logins, then waits for a decision a
 * person makes in the browser. Here the person is a loopback browser that signs in at the demo's real OpenID Connect
 * provider and posts the page's form; the demo run ends when both approvals are decided.
 */

jest.setTimeout(90_000);

const FIXTURES = join(__dirname, '..', '..', 'sandbox', 'fixtures');
const printed: string[] = [];

const demo = (overrides: Partial<DemoOptions> = {}): DemoOptions => ({
  config: loadConfigFile(join(FIXTURES, 'demo.config.json')),
  fixture: loadFixture(join(FIXTURES, 'demo-account.json')),
  event: JSON.parse(readFileSync(join(FIXTURES, 'demo-event.json'), 'utf8')) as unknown,
  decision: 'interactive',
  port: 0,
  json: false,
  terminal: true,
  ...overrides,
});

/** Waits longer than the shared default: this suite drives a whole demo or a browser. */
const waitFor = <T>(what: string, probe: () => T | undefined): Promise<T> => waitForValue(what, probe, 30_000);

const printedLinks = (): string[] => printed.flatMap((line) => line.match(/https?:\/\/\S+\/approvals\/\S+/g) ?? []);

beforeEach(() => {
  printed.length = 0;
  for (const method of ['log', 'error'] as const) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      printed.push(args.map(String).join(' '));
    });
  }
});

afterEach(() => jest.restoreAllMocks());

describe('the interactive demo', () => {
  it('prints the links and the demo logins, and ends when a signed-in approver decides in the browser', async () => {
    // Act: the demo starts and waits
    const running = runDemo(demo());
    const links = await waitFor('two approval links', () => (printedLinks().length === 2 ? printedLinks() : undefined));
    const developer = await signInAt(new LoopbackBrowser(), links[0], 'dev');
    const statuses: number[] = [];
    for (const link of links) {
      const browser = new LoopbackBrowser();
      const page = await signInAt(browser, link, 'bo');
      const posted = await submitDecision(browser, page, 'approve', 'read the evidence in the demo');
      statuses.push(posted.status);
      await posted.body?.cancel();
    }
    const result = await running;

    // Assess: the prompt named the logins; the developer could not decide; Bo's decisions ended the run
    const output = printed.join('\n');
    expect(output).toContain('Sign in at the local identity provider (password "demo") as one of:');
    expect(output).toMatch(/ana\s+Ana Approver \(hubfix-approvers, secops\): may approve/);
    expect(output).toMatch(/bo\s+Bo Approver \(hubfix-approvers\): may approve/);
    expect(output).toMatch(/dev\s+Devi Developer \(developers\): may not approve/);
    expect(developer.html).toContain('You are not in an approver group for this request');
    expect(statuses).toEqual([200, 200]);
    expect(result.exitCode).toBe(0);
    const approved = result.report?.findings.filter((f) => f.note.includes('fixed after approval by Bo Approver <bo@example.test>'));
    expect(approved?.map((f) => [f.outcome, f.workflowStatus])).toEqual([
      ['resolved', 'RESOLVED'],
      ['resolved', 'RESOLVED'],
    ]);
  });

  it('refuses to wait without a terminal and asks for --approve, --reject or --timeout', async () => {
    // Act
    const result = await runDemo(demo({ terminal: false }));

    // Assess
    expect(result).toEqual({ exitCode: 2 });
    expect(printed.join('\n')).toContain('pass --approve, --reject or --timeout');
  });
});
