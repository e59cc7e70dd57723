import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../../functions/platform/config';
import { fixtureJsonSchema, loadFixture } from '../../sandbox/fixture';
import { planEvent } from '../../cli/plan';

const ROOT = join(__dirname, '..', '..');
const CONFORMANCE = join(ROOT, '..', 'shared', 'conformance', 'events');
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

describe('hubfix plan', () => {
  it.each(readdirSync(CONFORMANCE).filter((f) => f.endsWith('.json')))(
    'handles conformance event %s: accepted, or rejected with a reason',
    async (file) => {
      // Act
      const result = await planEvent(readJson(join(CONFORMANCE, file)), defaultConfig());

      // Assess
      if (result.rejected) {
        expect(result.rejected.length).toBeGreaterThan(10);
        expect(result.findings).toEqual([]);
      } else {
        expect(result.findings.length).toBeGreaterThan(0);
        for (const finding of result.findings) expect(finding.reason.length).toBeGreaterThan(10);
      }
    },
  );

  it('assesses against an account fixture and changes nothing', async () => {
    // Prepare
    const fixture = loadFixture(join(ROOT, 'sandbox/fixtures/demo-account.json'));

    // Act
    const result = await planEvent(readJson(join(ROOT, 'sandbox/fixtures/demo-event.json')), defaultConfig(), fixture);

    // Assess
    const routes = Object.fromEntries(result.findings.map((f) => [f.resourceId?.split('/').pop() ?? f.controlId, f.route]));
    expect(routes).toEqual({ 'ci-legacy': 'auto', 'orders-service': 'approval', 'dev-alice': 'approval', 'RDS.4': 'skip' });
    const orders = result.findings.find((f) => f.resourceId?.endsWith('orders-service'));
    expect(orders?.evidence.map((e) => e.fact).join(' ')).toContain('tagged environment=production');
    expect(orders?.plan?.steps).toEqual(['iam:UpdateAccessKey UserName=orders-service AccessKeyId=AKIAIOSFODNN7ORDERS1 Status=Inactive']);
  });
});

describe('the fixture schema', () => {
  it('is published in docs/ exactly as the code defines it', () => {
    expect(readJson(join(ROOT, 'docs/fixture.schema.json'))).toEqual(fixtureJsonSchema());
  });
});

describe('bin/hubfix.js run', () => {
  it('resolves the unused key automatically and the production key after approval, reporting the account after', () => {
    // Act
    const out = execFileSync(
      'node',
      [
        'bin/hubfix.js',
        'run',
        '--event',
        'sandbox/fixtures/two-keys-event.json',
        '--account',
        'sandbox/fixtures/demo-account.json',
        '--decision',
        'approve',
        '--json',
      ],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT' } },
    );

    // Assess
    const report = JSON.parse(out) as {
      findings: { resourceId: string; outcome: string; workflowStatus: string; note: string }[];
      emails: unknown[];
      after: Record<string, { iam: Record<string, Record<string, string>> }>;
    };
    expect(report.findings.map((f) => [f.resourceId.split('/').pop(), f.outcome, f.workflowStatus])).toEqual([
      ['ci-legacy', 'resolved', 'RESOLVED'],
      ['orders-service', 'resolved', 'RESOLVED'],
    ]);
    expect(report.findings[0].note).toContain('fixed automatically');
    expect(report.findings[1].note).toContain('after approval by Ana Approver <ana@example.test>');
    expect(report.emails).toHaveLength(1);
    expect(report.after['111111111111'].iam['user/orders-service']).toEqual({ AKIAIOSFODNN7ORDERS1: 'Inactive' });
  });
});
