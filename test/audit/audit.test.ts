import { CreateTableCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { describeOutcome } from '../../functions/workflow/outcome';
import { buildAuditRecord, putAuditRecord, readAuditRecords, auditTableDefinition, type AuditRecord } from '../../functions/audit/audit';
import { documentClient } from '../../functions/platform/dynamo';
import type { Runtime } from '../../functions/platform/runtime';
import type { WorkflowState } from '../../functions/findings/types';
import type { AnnotatedState } from '../../functions/workflow/workflow-failure';
import { startDynalite, type LocalDynamo } from '../support/dynalite';
import { assessment, finding, testRuntime } from '../approval/fixtures';

const EXECUTION = 'arn:aws:states:us-east-1:111111111111:execution:hubfix-remediate-finding:run-1';
const ANNOTATED_AT = new Date('2025-03-01T12:10:00.000Z');

const approvedFix = (): WorkflowState => ({
  finding: finding(),
  action: 'remediate',
  trigger: 'custom-action',
  receivedAt: '2025-03-01T11:58:30.000Z',
  assessment: assessment(),
  approval: { decision: 'approved', approver: 'Ana Approver', reason: 'CI moved to OIDC last week', decidedAt: '2025-03-01T12:04:00.000Z' },
  change: {
    summary: 'Set access key AKIA...XYZ of ci-deployer to Inactive',
    before: { 'AKIA...XYZ': 'Active' },
    after: { 'AKIA...XYZ': 'Inactive' },
    changedAt: '2025-03-01T12:04:05.000Z',
    reversible: true,
  },
  verification: { verified: true, observed: 'AKIA...XYZ is Inactive', checkedAt: '2025-03-01T12:04:30.000Z' },
});

const recordOf = (state: AnnotatedState, executionId = EXECUTION, at = ANNOTATED_AT): AuditRecord =>
  buildAuditRecord(state, executionId, describeOutcome(state, executionId, 86400), at);

describe('building the audit record', () => {
  it('keeps the finding, evidence, route and reason, approver, before/after, verification and every step time', () => {
    // Act
    const record = recordOf(approvedFix());

    // Assess
    expect(record).toMatchObject({
      executionId: EXECUTION,
      finding: {
        id: finding().id,
        controlId: 'IAM.3',
        accountId: '222222222222',
        resourceId: 'arn:aws:iam::222222222222:user/ci-deployer',
        resourceRegion: 'us-east-1',
      },
      assessment: { route: 'approval', routeReason: assessment().routeReason, risk: 'high', evidence: assessment().evidence },
      approval: { decision: 'approved', approver: 'Ana Approver', reason: 'CI moved to OIDC last week' },
      change: { before: { 'AKIA...XYZ': 'Active' }, after: { 'AKIA...XYZ': 'Inactive' } },
      verification: { observed: 'AKIA...XYZ is Inactive' },
      outcome: 'resolved',
      workflowStatus: 'RESOLVED',
      receivedAt: '2025-03-01T11:58:30.000Z',
      assessedAt: '2025-03-01T11:59:00.000Z',
      decidedAt: '2025-03-01T12:04:00.000Z',
      changedAt: '2025-03-01T12:04:05.000Z',
      checkedAt: '2025-03-01T12:04:30.000Z',
      annotatedAt: '2025-03-01T12:10:00.000Z',
    });
    expect(record.note).toContain('after approval by Ana Approver');
  });

  it('measures time to remediate (received → verified) and approval wait (assessed → decided)', () => {
    // Act
    const record = recordOf(approvedFix());

    // Assess
    expect(record.timeToRemediateSeconds).toBe(360); // 11:58:30 → 12:04:30
    expect(record.approvalWaitSeconds).toBe(300); // 11:59:00 → 12:04:00
  });

  it('has no time to remediate for a rejected run, and records who rejected and why', () => {
    // Prepare
    const { change, verification, ...rest } = approvedFix();
    void change;
    void verification;
    const rejected: WorkflowState = {
      ...rest,
      approval: { decision: 'rejected', approver: 'Bo', reason: 'release freeze', decidedAt: '2025-03-01T12:01:00.000Z' },
    };

    // Act
    const record = recordOf(rejected);

    // Assess
    expect(record).toMatchObject({ outcome: 'rejected', approval: { decision: 'rejected', approver: 'Bo', reason: 'release freeze' } });
    expect(record.timeToRemediateSeconds).toBeUndefined();
    expect(record.change).toBeUndefined();
    expect(record.approvalWaitSeconds).toBe(120);
  });

  const remediationError = {
    Error: 'RemediationError',
    Cause: JSON.stringify({ errorType: 'RemediationError', errorMessage: 'AccessDenied on iam:UpdateAccessKey' }),
  };

  it('records a failed step as the execution named it, with the error name and the message Step Functions carried', () => {
    // Prepare
    const failed: WorkflowState = {
      finding: finding(),
      action: 'remediate',
      trigger: 'custom-action',
      receivedAt: '2025-03-01T11:58:30.000Z',
      assessment: assessment({ route: 'auto' }),
      failure: { remediate: remediationError },
    };

    // Act
    const record = recordOf(failed);

    // Assess
    expect(record).toMatchObject({
      schemaVersion: 3,
      outcome: 'failed',
      error: { step: 'remediate', name: 'RemediationError', message: 'AccessDenied on iam:UpdateAccessKey' },
    });
    expect(record.approval).toBeUndefined();
  });

  it(
    'records the failure of an execution started before the upgrade (version 1 state: $.error, no step) with the step its reader ' +
      'tells',
    () => {
      // Prepare: what a definition of version 1 hands Annotate after Remediate's Catch fired
      const legacy: AnnotatedState = {
        finding: finding(),
        action: 'remediate',
        trigger: 'custom-action',
        receivedAt: '2025-03-01T11:58:30.000Z',
        assessment: assessment({ route: 'auto' }),
        error: remediationError,
      };

      // Act
      const record = recordOf(legacy);

      // Assess
      expect(record).toMatchObject({
        outcome: 'failed',
        error: { step: 'remediate', name: 'RemediationError', message: 'AccessDenied on iam:UpdateAccessKey' },
      });
      expect(record.note).toBe(
        'hubfix: Remediation failed (RemediationError): AccessDenied on iam:UpdateAccessKey. See the message for what, if anything, was ' +
          'changed.',
      );
    },
  );
});

describe('the audit table', () => {
  const TABLE = 'audit';
  let dynamo: LocalDynamo;
  let rt: Runtime;

  beforeAll(async () => {
    dynamo = await startDynalite();
    await dynamo.client.send(new CreateTableCommand(auditTableDefinition(TABLE)));
    rt = testRuntime(dynamo.client, 'approvals');
  });
  afterAll(async () => dynamo.stop());

  it('writes a run once: a retried Annotate keeps the first record and reports it was already there', async () => {
    // Prepare
    const execution = `${EXECUTION}-retry`;
    const first = recordOf(approvedFix(), execution, new Date('2025-03-02T00:00:00.000Z'));
    const retry = recordOf(approvedFix(), execution, new Date('2025-03-02T00:05:00.000Z'));

    // Act
    const wroteFirst = await putAuditRecord(rt, first);
    const wroteRetry = await putAuditRecord(rt, retry);

    // Assess
    expect([wroteFirst, wroteRetry]).toEqual([true, false]);
    const items = await dynamo.client.send(new ScanCommand({ TableName: TABLE }));
    const stored = (items.Items ?? []).filter((item) => item.executionId.S === execution);
    expect(stored).toHaveLength(1);
    expect(stored[0].annotatedAt.S).toBe('2025-03-02T00:00:00.000Z');
  });

  it('reads the runs of a period, oldest first, through the time index', async () => {
    // Prepare
    for (const [name, at] of [
      ['b', '2025-04-10T10:00:00.000Z'],
      ['a', '2025-04-01T09:00:00.000Z'],
      ['c', '2025-05-01T00:00:00.000Z'],
      ['old', '2025-03-31T23:59:59.999Z'],
    ]) {
      await putAuditRecord(rt, recordOf(approvedFix(), `${EXECUTION}-${name}`, new Date(at)));
    }

    // Act
    const april = await readAuditRecords(documentClient(rt), TABLE, { since: '2025-04-01', until: '2025-05-01T00:00:00.000Z' });
    const sinceApril = await readAuditRecords(documentClient(rt), TABLE, { since: '2025-04-01' });

    // Assess
    expect(april.map((r) => r.executionId.split('-').pop())).toEqual(['a', 'b']);
    expect(sinceApril.map((r) => r.executionId.split('-').pop())).toEqual(['a', 'b', 'c']);
    expect(april[0].change?.before).toEqual({ 'AKIA...XYZ': 'Active' });
  });
});
