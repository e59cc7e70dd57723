import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, isConditionFailure } from './dynamo';
import { epochSeconds } from './approval-link';
import type { Runtime } from './runtime';
import type { Assessment, Decision, FindingRef, Trigger } from './types';

/**
 * Pending approvals, keyed by a random approval id. The task token lives only here: the email and the
 * link carry the id. A decision is one conditional update, so a replayed POST or two approvers racing
 * produce exactly one decision.
 */

export type ApprovalStatus = 'PENDING' | 'APPROVED' | 'REJECTED';

export interface ApprovalRecord {
  approvalId: string;
  /** Step Functions task token: secret, never logged, never rendered. */
  taskToken: string;
  executionId: string;
  finding: FindingRef;
  assessment: Assessment;
  trigger: Trigger;
  status: ApprovalStatus;
  /** ISO 8601. */
  createdAt: string;
  /** Epoch seconds: the link and the record stop working at the same moment. */
  expiresAt: number;
  /** Epoch seconds: DynamoDB deletes the record some days after it expired. */
  ttl: number;
  decidedAt?: string;
  approver?: string;
  reason?: string;
}

export type NewApproval = Omit<ApprovalRecord, 'status' | 'ttl' | 'decidedAt' | 'approver' | 'reason'>;

export interface DecisionRequest {
  decision: Decision;
  approver: string;
  reason: string;
  now: Date;
}

export type DecideResult =
  | { ok: true; record: ApprovalRecord }
  | { ok: false; reason: 'already-decided'; record: ApprovalRecord }
  | { ok: false; reason: 'expired'; record: ApprovalRecord }
  | { ok: false; reason: 'not-found' };

export const APPROVAL_TTL_ATTRIBUTE = 'ttl';
/** Keep decided/expired records for a while so a late click gets "already decided" instead of "unknown". */
const RETENTION_AFTER_EXPIRY_SECONDS = 7 * 24 * 3600;

/**
 * The table as both the stack and the local sandbox create it. TTL is set separately (UpdateTimeToLive /
 * CDK `timeToLiveAttribute: APPROVAL_TTL_ATTRIBUTE`): CreateTable has no field for it.
 */
export const approvalTableDefinition = (tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  AttributeDefinitions: [{ AttributeName: 'approvalId', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'approvalId', KeyType: 'HASH' }],
  BillingMode: 'PAY_PER_REQUEST',
});

const tableOf = (rt: Runtime) => ({ doc: documentClient(rt), tableName: rt.settings.approvalTableName });

/** Stores a new pending approval; fails if the id already exists (it never should: 128 random bits). */
export const putPendingApproval = async (rt: Runtime, approval: NewApproval): Promise<ApprovalRecord> => {
  const { doc, tableName } = tableOf(rt);
  const record: ApprovalRecord = {
    ...approval,
    status: 'PENDING',
    ttl: approval.expiresAt + RETENTION_AFTER_EXPIRY_SECONDS,
  };
  await doc.send(
    new PutCommand({
      TableName: tableName,
      Item: record,
      ConditionExpression: 'attribute_not_exists(approvalId)',
    }),
  );
  return record;
};

export const getApproval = async (rt: Runtime, approvalId: string): Promise<ApprovalRecord | undefined> => {
  const { doc, tableName } = tableOf(rt);
  const result = await doc.send(new GetCommand({ TableName: tableName, Key: { approvalId }, ConsistentRead: true }));
  return result.Item as ApprovalRecord | undefined;
};

/**
 * Records the decision if, and only if, the approval is still pending and not expired. When the condition
 * fails, a consistent read says why (DynamoDB Local implementations do not all return the old item).
 */
export const decideApproval = async (rt: Runtime, approvalId: string, request: DecisionRequest): Promise<DecideResult> => {
  const { doc, tableName } = tableOf(rt);
  try {
    const result = await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { approvalId },
        UpdateExpression: 'SET #status = :decided, decidedAt = :decidedAt, approver = :approver, reason = :reason',
        ConditionExpression: 'attribute_exists(approvalId) AND #status = :pending AND expiresAt > :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':decided': request.decision === 'approved' ? 'APPROVED' : 'REJECTED',
          ':decidedAt': request.now.toISOString(),
          ':approver': request.approver,
          ':reason': request.reason,
          ':pending': 'PENDING',
          ':now': epochSeconds(request.now),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { ok: true, record: result.Attributes as ApprovalRecord };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const record = await getApproval(rt, approvalId);
    if (!record) return { ok: false, reason: 'not-found' };
    if (record.status !== 'PENDING') return { ok: false, reason: 'already-decided', record };
    return { ok: false, reason: 'expired', record };
  }
};

/**
 * Undoes a decision that could not be delivered to Step Functions (a transient error), so the approver
 * can try again. Only the decision this request made is undone (matched by its decidedAt).
 */
export const reopenApproval = async (rt: Runtime, approvalId: string, decidedAt: string): Promise<void> => {
  const { doc, tableName } = tableOf(rt);
  try {
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { approvalId },
        UpdateExpression: 'SET #status = :pending REMOVE decidedAt, approver, reason',
        ConditionExpression: 'attribute_exists(approvalId) AND #status <> :pending AND decidedAt = :decidedAt',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pending': 'PENDING', ':decidedAt': decidedAt },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
};
