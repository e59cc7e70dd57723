import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { documentClient, isConditionFailure } from '../platform/dynamo';
import { epochSeconds } from './approval-link';
import { HubfixError } from '../platform/errors';
import type { Runtime } from '../platform/runtime';
import type { Assessment, Decision, FindingRef, Trigger } from '../findings/types';

/**
 * Pending approvals, keyed by a random approval id. The task token lives only here: the email and the
 * link carry the id. A decision is one conditional update, so a replayed POST or two approvers racing
 * produce exactly one decision.
 */

export type ApprovalStatus = 'PENDING' | 'APPROVED' | 'REJECTED';

/**
 * The record's schema. A link emailed by one build is opened days later on the page of the next (the approval API is
 * not pinned to a deployment), so the reader accepts the previous version (docs/upgrades.md):
 * 1 (no `schemaVersion` attribute): no `kind`; `finding.resource.canonicalId` absent in records stored before it existed.
 * 2: `schemaVersion` and `kind`; the canonical resource always set.
 */
export const APPROVAL_SCHEMA_VERSION = 2;

/** What an approval is for: one finding's remediation, or a control-hygiene batch (which has no finding to annotate). */
export type ApprovalKind = 'remediation' | 'control-hygiene';

/** The resource type a version 1 record of a control-hygiene batch names (its only mark of being one). */
export const CONTROL_BATCH_RESOURCE_TYPE = 'AwsSecurityHubStandardsControlAssociations';

export interface ApprovalRecord {
  approvalId: string;
  schemaVersion: typeof APPROVAL_SCHEMA_VERSION;
  kind: ApprovalKind;
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

export type NewApproval = Omit<ApprovalRecord, 'schemaVersion' | 'status' | 'ttl' | 'decidedAt' | 'approver' | 'reason'>;

/** A stored approval that lacks what the page and the decision need: nothing can be shown or decided from it. */
export class UnreadableApprovalError extends HubfixError {}

/** The fields the page, the email and the decision read, as any version since 1 stores them. Unknown fields are kept. */
const storedApprovalSchema = z.looseObject({
  approvalId: z.string().min(1),
  schemaVersion: z.number().int().min(2).optional(),
  kind: z.enum(['remediation', 'control-hygiene']).optional(),
  taskToken: z.string().min(1),
  executionId: z.string().min(1),
  finding: z.looseObject({
    controlId: z.string(),
    title: z.string(),
    accountId: z.string(),
    region: z.string(),
    severity: z.string(),
    resource: z.looseObject({ type: z.string(), id: z.string(), canonicalId: z.string().optional(), region: z.string() }),
  }),
  assessment: z.looseObject({
    routeReason: z.string(),
    evidence: z.array(z.looseObject({ fact: z.string(), source: z.string() })),
    plan: z.looseObject({ summary: z.string(), steps: z.array(z.string()), reversible: z.boolean() }).optional(),
  }),
  trigger: z.enum(['custom-action', 'imported']),
  status: z.enum(['PENDING', 'APPROVED', 'REJECTED']),
  createdAt: z.string(),
  expiresAt: z.number(),
  ttl: z.number(),
});

/**
 * A stored approval as the current code reads it, whichever version wrote it: a version 1 record gets its `kind` from
 * the resource type it names and its canonical resource from the reported id. The reader checks the fields it uses,
 * not the number, so a rolled-back (older) page reads a newer record too. Throws UnreadableApprovalError, naming the
 * fields only (never a value: the record holds the task token), when a field it needs is missing.
 */
export const readApprovalRecord = (item: Record<string, unknown>): ApprovalRecord => {
  const parsed = storedApprovalSchema.safeParse(item);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(root)'))].join(', ');
    throw new UnreadableApprovalError(`Approval record (schema version ${String(item.schemaVersion ?? 1)}) cannot be read: ${fields}`);
  }
  const stored = parsed.data as unknown as Omit<ApprovalRecord, 'schemaVersion' | 'kind'> & { schemaVersion?: number; kind?: ApprovalKind };
  const { resource } = stored.finding;
  return {
    ...stored,
    schemaVersion: APPROVAL_SCHEMA_VERSION,
    kind: stored.kind ?? (resource.type === CONTROL_BATCH_RESOURCE_TYPE ? 'control-hygiene' : 'remediation'),
    finding: { ...stored.finding, resource: { ...resource, canonicalId: resource.canonicalId || resource.id } },
  };
};

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
    schemaVersion: APPROVAL_SCHEMA_VERSION,
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
  return result.Item ? readApprovalRecord(result.Item) : undefined;
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
    return { ok: true, record: readApprovalRecord(result.Attributes ?? {}) };
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
