import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditRecord } from '../../functions/audit/audit';
import { localAuditRecords, readAuditFile, saveLocalAudit } from '../../sandbox/audit-export';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { asffFinding, customActionEvent, HOME_ACCOUNT, runToEnd, startCloud } from '../support/workflow';

const demoAccount = JSON.parse(readFileSync(join(__dirname, '../../sandbox/fixtures/demo-account.json'), 'utf8')) as Record<
  string,
  unknown
>;
const keyFinding = (user: string) =>
  asffFinding({ controlId: 'IAM.3', resourceType: 'AwsIamUser', resourceId: `arn:aws:iam::${HOME_ACCOUNT}:user/${user}` });
const unsupported = asffFinding({
  controlId: 'RDS.4',
  resourceType: 'AwsRdsDbSnapshot',
  resourceId: `arn:aws:rds:us-east-1:${HOME_ACCOUNT}:snapshot:s1`,
});

let cloud: LocalCloud;
let records: AuditRecord[];
const recordFor = (user: string): AuditRecord => {
  const matching = records.filter((r) => r.finding.resourceId.endsWith(`user/${user}`));
  expect(matching).toHaveLength(1);
  return matching[0];
};

beforeAll(async () => {
  // Prepare: an automatic fix, an approved fix (one event), and a rejected request (a second event), on one cloud
  cloud = await startCloud(demoAccount);
  await runToEnd(cloud, customActionEvent([keyFinding('ci-legacy'), keyFinding('orders-service'), unsupported]), 'approve');
  await runToEnd(cloud, customActionEvent([keyFinding('dev-alice')]), 'reject');
  records = await localAuditRecords(cloud);
});
afterAll(async () => cloud?.stop());

describe('the audit trail of real runs', () => {
  it('holds exactly one record per execution, keyed by its execution ARN', () => {
    // Assess
    const executions = [...cloud.stepFunctions.executions.values()].map((e) => e.executionArn).sort();
    expect(executions).toHaveLength(3);
    expect(records.map((r) => r.executionId).sort()).toEqual(executions);
  });

  it('records an automatic fix with its evidence, the route and why, before/after and the verification', () => {
    // Act
    const record = recordFor('ci-legacy');

    // Assess
    expect(record).toMatchObject({
      outcome: 'resolved',
      workflowStatus: 'RESOLVED',
      finding: { controlId: 'IAM.3', accountId: HOME_ACCOUNT, resourceRegion: 'us-east-1' },
      assessment: { route: 'auto', risk: 'low' },
      change: { before: { statuses: { AKIAIOSFODNN7LEGACY1: 'Active' } }, after: { statuses: { AKIAIOSFODNN7LEGACY1: 'Inactive' } } },
      verification: { observed: expect.stringContaining('Inactive') },
    });
    expect(record.assessment?.routeReason).toMatch(/Low risk/);
    expect(record.assessment?.evidence.map((e) => e.source)).toContain('iam:GetAccessKeyLastUsed');
    expect(record.approval).toBeUndefined();
    expect(record.timeToRemediateSeconds).toBeGreaterThanOrEqual(0);
  });

  it('records who approved a fix, why, and when, with every step time in order', () => {
    // Act
    const record = recordFor('orders-service');

    // Assess
    expect(record).toMatchObject({
      outcome: 'resolved',
      assessment: { route: 'approval', risk: 'high' },
      approval: { decision: 'approved', approver: 'Ana Approver <ana@example.test>', reason: 'test approve' },
      change: { before: { statuses: { AKIAIOSFODNN7ORDERS1: 'Active' } }, after: { statuses: { AKIAIOSFODNN7ORDERS1: 'Inactive' } } },
    });
    const steps = [record.receivedAt, record.assessedAt, record.decidedAt, record.changedAt, record.checkedAt, record.annotatedAt];
    expect(steps.every((t) => typeof t === 'string')).toBe(true);
    expect([...steps].sort()).toEqual(steps);
    expect(record.approvalWaitSeconds).toBeGreaterThanOrEqual(0);
  });

  it('records a rejection with the approver and reason, and no change', () => {
    // Act
    const record = recordFor('dev-alice');

    // Assess
    expect(record).toMatchObject({
      outcome: 'rejected',
      approval: { decision: 'rejected', approver: 'Ana Approver <ana@example.test>', reason: 'test reject' },
    });
    expect(record.change).toBeUndefined();
    expect(record.timeToRemediateSeconds).toBeUndefined();
  });

  it('writes no record for a finding intake annotated without starting a run', () => {
    expect(records.some((r) => r.finding.controlId === 'RDS.4')).toBe(false);
  });

  it('round-trips the records through the --audit-file JSON lines', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'hubfix-audit-'));
    const file = join(dir, 'audit.jsonl');
    try {
      // Act
      const first = await saveLocalAudit(cloud, file);
      const second = await saveLocalAudit(cloud, file); // appends: two runs of the CLI, one file

      // Assess
      expect([first, second]).toEqual([3, 3]);
      expect(readAuditFile(file)).toEqual([...records, ...records]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
