import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { createApprovalId } from '../../functions/approval/approval-link';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  approvalTableDefinition,
  getApproval,
  putPendingApproval,
  readApprovalRecord,
  recordVote,
  reopenApproval,
  type NewApproval,
} from '../../functions/approval/approval-store';
import { documentClient } from '../../functions/platform/dynamo';
import type { Runtime } from '../../functions/platform/runtime';
import { createApprovalTable, startDynalite, type LocalDynamo } from '../support/dynalite';
import { NOW, TASK_TOKEN, assessment, finding, testRuntime, version1Item } from './fixtures';

const TABLE = 'approvals-store-test';
const NOW_S = NOW.getTime() / 1000;
let dynamo: LocalDynamo;
let rt: Runtime;

beforeAll(async () => {
  dynamo = await startDynalite();
  await createApprovalTable(dynamo.client, TABLE);
  rt = testRuntime(dynamo.client, TABLE);
});

afterAll(async () => {
  await dynamo.stop();
});

const newApproval = (overrides: Partial<NewApproval> = {}): NewApproval => ({
  approvalId: createApprovalId(),
  kind: 'remediation',
  taskToken: TASK_TOKEN,
  executionId: 'arn:aws:states:us-east-1:111111111111:execution:hubfix:abc',
  finding: finding(),
  assessment: assessment(),
  trigger: 'custom-action',
  createdAt: NOW.toISOString(),
  expiresAt: NOW_S + 3600,
  ...overrides,
});

const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

describe('approval table definition', () => {
  it('keys the table by approvalId (string)', async () => {
    // Act
    const table = await dynamo.client.send(new DescribeTableCommand({ TableName: TABLE }));

    // Assess
    expect(table.Table?.KeySchema).toEqual([{ AttributeName: 'approvalId', KeyType: 'HASH' }]);
    expect(approvalTableDefinition('x').AttributeDefinitions).toEqual([{ AttributeName: 'approvalId', AttributeType: 'S' }]);
  });
});

describe('putPendingApproval / getApproval', () => {
  it('stores a PENDING record with a ttl some days after expiry and reads it back whole', async () => {
    // Prepare
    const approval = newApproval();

    // Act
    await putPendingApproval(rt, approval);
    const stored = await getApproval(rt, approval.approvalId);

    // Assess
    expect(stored).toEqual({ ...approval, schemaVersion: 3, status: 'PENDING', votes: [], ttl: expect.any(Number) });
    expect(stored!.ttl).toBeGreaterThanOrEqual(approval.expiresAt + 24 * 3600);
  });

  it('refuses to overwrite an existing approval id', async () => {
    // Prepare
    const approval = newApproval();
    await putPendingApproval(rt, approval);

    // Act / Assess
    await expect(putPendingApproval(rt, { ...approval, taskToken: 'other-token' })).rejects.toThrow(
      expect.objectContaining({ name: 'ConditionalCheckFailedException' }),
    );
    expect((await getApproval(rt, approval.approvalId))?.taskToken).toBe(TASK_TOKEN);
  });

  it('returns undefined for an unknown id', async () => {
    expect(await getApproval(rt, createApprovalId())).toBeUndefined();
  });
});

/** One deciding vote by `subject`, written as castVote writes it. */
const decide = (approvalId: string, subject: string, decision: 'approve' | 'reject', now: Date, votesBefore = 0) =>
  recordVote(rt, approvalId, {
    vote: {
      issuer: 'https://idp.example.com',
      subject,
      groups: ['hubfix-approvers'],
      channel: 'web',
      decision,
      reason: '',
      at: now.toISOString(),
    },
    votesBefore,
    decides: { status: decision === 'approve' ? 'APPROVED' : 'REJECTED', approver: subject, reason: '' },
    now,
  });

describe('recordVote', () => {
  it('records a deciding vote once and returns the updated record', async () => {
    // Prepare
    const approval = newApproval();
    await putPendingApproval(rt, approval);

    // Act
    const result = await decide(approval.approvalId, 'ana', 'approve', later(60));

    // Assess
    expect(result).toEqual({
      ok: true,
      record: expect.objectContaining({
        status: 'APPROVED',
        approver: 'ana',
        decidedAt: later(60).toISOString(),
        taskToken: TASK_TOKEN,
        votes: [expect.objectContaining({ subject: 'ana', decision: 'approve' })],
      }),
    });
  });

  it('refuses a replay and keeps the first decision', async () => {
    // Prepare
    const approval = newApproval();
    await putPendingApproval(rt, approval);
    await decide(approval.approvalId, 'ana', 'reject', later(60));

    // Act
    const replay = await decide(approval.approvalId, 'mallory', 'approve', later(61), 1);

    // Assess
    expect(replay).toEqual({ ok: false, reason: 'changed' });
    expect(await getApproval(rt, approval.approvalId)).toMatchObject({ status: 'REJECTED', approver: 'ana' });
  });

  it('lets exactly one of many concurrent writes against the same vote count win', async () => {
    // Prepare
    const approval = newApproval();
    await putPendingApproval(rt, approval);

    // Act
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => decide(approval.approvalId, `approver-${i}`, i % 2 ? 'approve' : 'reject', later(30))),
    );

    // Assess
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect((await getApproval(rt, approval.approvalId))?.votes).toHaveLength(1);
  });

  it('refuses an expired approval (also at the exact second) and leaves it PENDING', async () => {
    // Prepare
    const approval = newApproval();
    await putPendingApproval(rt, approval);

    // Act
    const atExpiry = await decide(approval.approvalId, 'ana', 'approve', later(3600));
    const afterExpiry = await decide(approval.approvalId, 'ana', 'approve', later(7200));

    // Assess
    expect(atExpiry).toEqual({ ok: false, reason: 'changed' });
    expect(afterExpiry).toEqual({ ok: false, reason: 'changed' });
    expect((await getApproval(rt, approval.approvalId))?.status).toBe('PENDING');
  });

  it('answers not-found for an unknown id without creating a record', async () => {
    // Prepare
    const id = createApprovalId();

    // Act
    const result = await decide(id, 'ana', 'approve', NOW);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'not-found' });
    expect(await getApproval(rt, id)).toBeUndefined();
  });
});

describe('reopenApproval', () => {
  it('undoes only the decision it names, so the approver can vote again', async () => {
    // Prepare
    const approval = newApproval();
    await putPendingApproval(rt, approval);
    const decided = await decide(approval.approvalId, 'ana', 'approve', later(10));
    if (!decided.ok) throw new Error('the vote was not written');

    // Act
    await reopenApproval(rt, { ...decided.record, decidedAt: later(99).toISOString() }); // someone else's decision: no effect
    const afterWrongUndo = await getApproval(rt, approval.approvalId);
    await reopenApproval(rt, decided.record);
    const afterUndo = await getApproval(rt, approval.approvalId);

    // Assess
    expect(afterWrongUndo?.status).toBe('APPROVED');
    expect(afterUndo).toMatchObject({ status: 'PENDING', votes: [] });
    expect(afterUndo).not.toHaveProperty('approver');
    expect(await decide(approval.approvalId, 'ana', 'approve', later(20))).toMatchObject({ ok: true });
  });
});

describe('records stored by the previous version (schema 1: no schemaVersion, no kind, no canonical resource)', () => {
  /** A pending approval as the previous build's RequestApproval stored it. */
  const putVersion1 = async (approval: NewApproval): Promise<void> => {
    const item = version1Item({ ...approval, status: 'PENDING', ttl: approval.expiresAt + 7 * 24 * 3600 });
    await documentClient(rt).send(new PutCommand({ TableName: TABLE, Item: item }));
  };

  it('reads a remediation approval as the current version: kind from the resource type, canonical resource from the reported id', async () => {
    // Prepare
    const approval = newApproval();
    await putVersion1(approval);

    // Act
    const stored = await getApproval(rt, approval.approvalId);

    // Assess
    expect(stored).toMatchObject({
      approvalId: approval.approvalId,
      schemaVersion: 3,
      kind: 'remediation',
      status: 'PENDING',
      taskToken: TASK_TOKEN,
    });
    expect(stored?.finding.resource.canonicalId).toBe(approval.finding.resource.id);
  });

  it('reads a control-hygiene batch approval as one (its resource type was its only mark)', async () => {
    // Prepare
    const batch = newApproval({
      kind: 'control-hygiene',
      finding: finding({
        resource: {
          type: 'AwsSecurityHubStandardsControlAssociations',
          id: '35 controls',
          canonicalId: '35 controls',
          region: 'us-east-1',
          partition: 'aws',
        },
      }),
    });
    await putVersion1(batch);

    // Act
    const stored = await getApproval(rt, batch.approvalId);

    // Assess
    expect(stored?.kind).toBe('control-hygiene');
  });

  it('decides it once, like a current record', async () => {
    // Prepare
    const approval = newApproval();
    await putVersion1(approval);

    // Act
    const first = await decide(approval.approvalId, 'ana', 'approve', later(60));
    const second = await decide(approval.approvalId, 'bo', 'reject', later(61), 1);

    // Assess
    expect(first).toMatchObject({ ok: true, record: { status: 'APPROVED', approver: 'ana', kind: 'remediation', taskToken: TASK_TOKEN } });
    expect(second).toEqual({ ok: false, reason: 'changed' });
  });

  it('refuses a record that lacks what the page and the decision need, naming the fields and never a value', () => {
    // Prepare
    const {
      taskToken,
      assessment: lost,
      ...broken
    } = version1Item({ ...newApproval(), status: 'PENDING', ttl: 1 }) as Record<string, unknown>;
    void lost;

    // Act / Assess: the exact message, so no value (the task token above all) can be in it
    expect(taskToken).toBe(TASK_TOKEN);
    expect(() => readApprovalRecord(broken)).toThrow(
      expect.objectContaining({
        name: 'UnreadableApprovalError',
        message: 'Approval record (schema version 1) cannot be read: taskToken, assessment',
      }),
    );
  });
});
