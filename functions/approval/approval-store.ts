import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { documentClient, isConditionFailure } from '../platform/dynamo';
import { epochSeconds } from './approval-link';
import { HubfixError } from '../platform/errors';
import type { Runtime } from '../platform/runtime';
import type { Requester } from '../findings/requester';
import type { ApprovalVote, Assessment, FindingRef, Trigger } from '../findings/types';

/**
 * Pending approvals, keyed by a random approval id. The task token lives only here: the email and the
 * link carry the id. A decision is one conditional update, so a replayed POST or two approvers racing
 * produce exactly one decision.
 */

export type ApprovalStatus = 'PENDING' | 'APPROVED' | 'REJECTED';

export type Vote = ApprovalVote;

/** A person as the identity provider vouched for them at sign-in (never a typed name). */
export type VerifiedPerson = Omit<ApprovalVote, 'decision' | 'reason' | 'at'>;

/** Who started a run (findings/requester.ts): a signed-in person, or the AWS principal whose CLI started it. */
export type { Requester };

/**
 * The record's schema. A link emailed by one build is opened days later on the page of the next (the approval API is
 * not pinned to a deployment), so the reader accepts the previous version (docs/upgrades.md):
 * 1 (no `schemaVersion` attribute): no `kind`; `finding.resource.canonicalId` absent in records stored before it existed.
 * 2: `schemaVersion` and `kind`; the canonical resource always set.
 * 3: `votes` (each with the voter's verified identity) and `voteCount`; `requestedBy` when a known person started the run
 *    (an AWS caller's `arn` and `userName` were added within version 3: optional, and an older reader keeps them unread).
 *    A version 2 record has no votes: its `approver` is the name typed on the page, kept as it was.
 */
export const APPROVAL_SCHEMA_VERSION = 3;

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
  /** Who decided, as the note shows it: the verified approvers' names and emails (version 2: a typed name). */
  approver?: string;
  reason?: string;
  /** Every vote in the order cast, with the voter's verified identity. */
  votes: Vote[];
  /** The person who started the run (CLI or signed-in page), when known: they cannot approve it. */
  requestedBy?: Requester;
}

export type NewApproval = Omit<ApprovalRecord, 'schemaVersion' | 'status' | 'ttl' | 'decidedAt' | 'approver' | 'reason' | 'votes'>;

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
  votes: z
    .array(
      z.looseObject({
        issuer: z.string(),
        subject: z.string(),
        groups: z.array(z.string()),
        decision: z.enum(['approve', 'reject']),
        reason: z.string(),
        at: z.string(),
      }),
    )
    .optional(),
  requestedBy: z
    .looseObject({
      issuer: z.string().optional(),
      subject: z.string().optional(),
      email: z.string().optional(),
      name: z.string().optional(),
      arn: z.string().optional(),
      userName: z.string().optional(),
    })
    .optional(),
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
  const stored = parsed.data as unknown as Omit<ApprovalRecord, 'schemaVersion' | 'kind' | 'votes'> & {
    schemaVersion?: number;
    kind?: ApprovalKind;
    votes?: Vote[];
  };
  const { resource } = stored.finding;
  return {
    ...stored,
    schemaVersion: APPROVAL_SCHEMA_VERSION,
    kind: stored.kind ?? (resource.type === CONTROL_BATCH_RESOURCE_TYPE ? 'control-hygiene' : 'remediation'),
    votes: stored.votes ?? [],
    finding: { ...stored.finding, resource: { ...resource, canonicalId: resource.canonicalId || resource.id } },
  };
};

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
    votes: [],
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

export interface VoteWrite {
  vote: Vote;
  /** How many votes the record held when the voter's eligibility was checked: another vote in between fails the write. */
  votesBefore: number;
  /** Set when this vote decides the approval (quorum reached, or a rejection). */
  decides?: { status: 'APPROVED' | 'REJECTED'; approver: string; reason: string };
  now: Date;
}

export type VoteWriteResult = { ok: true; record: ApprovalRecord } | { ok: false; reason: 'changed' | 'not-found' };

/** The key a voter is counted under: one vote per person per issuer. */
export const voterKey = (person: Pick<VerifiedPerson, 'issuer' | 'subject'>): string => `${person.issuer} ${person.subject}`;

/**
 * Appends one vote, and decides the approval with it when `decides` says so, in one conditional write: only while
 * the approval is pending and unexpired, only if this person has not voted, and only if no other vote landed since
 * the caller read the record (so two approvers racing toward a quorum never both count against a stale total).
 * "changed" asks the caller to read again and re-check.
 */
export const recordVote = async (rt: Runtime, approvalId: string, write: VoteWrite): Promise<VoteWriteResult> => {
  const { doc, tableName } = tableOf(rt);
  const decided = write.decides ? ', #status = :decided, decidedAt = :decidedAt, approver = :approver, reason = :reason' : '';
  try {
    const result = await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { approvalId },
        UpdateExpression:
          `SET votes = list_append(if_not_exists(votes, :none), :vote), voterKeys = ` +
          `list_append(if_not_exists(voterKeys, :none), :key), voteCount = :count${decided}`,
        ConditionExpression:
          'attribute_exists(approvalId) AND #status = :pending AND expiresAt > :now' +
          ' AND (attribute_not_exists(voterKeys) OR NOT contains(voterKeys, :keyValue))' +
          ' AND (attribute_not_exists(voteCount) OR voteCount = :before)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':none': [],
          ':vote': [write.vote],
          ':key': [voterKey(write.vote)],
          ':keyValue': voterKey(write.vote),
          ':count': write.votesBefore + 1,
          ':pending': 'PENDING',
          ':now': epochSeconds(write.now),
          ':before': write.votesBefore,
          ...(write.decides
            ? {
                ':decided': write.decides.status,
                ':decidedAt': write.vote.at,
                ':approver': write.decides.approver,
                ':reason': write.decides.reason,
              }
            : {}),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { ok: true, record: readApprovalRecord(result.Attributes ?? {}) };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return { ok: false, reason: (await getApproval(rt, approvalId)) ? 'changed' : 'not-found' };
  }
};

/**
 * Undoes the deciding vote when the decision could not be delivered to Step Functions (a transient error), so the
 * person can try again. Only the decision that vote made is undone (matched by its decidedAt and the vote count).
 */
export const reopenApproval = async (rt: Runtime, decided: ApprovalRecord): Promise<void> => {
  const { doc, tableName } = tableOf(rt);
  const votes = decided.votes.slice(0, -1);
  try {
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { approvalId: decided.approvalId },
        UpdateExpression:
          `SET #status = :pending, votes = :votes, voterKeys = :keys, ` + `voteCount = :count REMOVE decidedAt, approver, reason`,
        ConditionExpression:
          'attribute_exists(approvalId) AND #status <> :pending AND decidedAt = :decidedAt AND voteCount = :decidedCount',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pending': 'PENDING',
          ':votes': votes,
          ':keys': votes.map(voterKey),
          ':count': votes.length,
          ':decidedAt': decided.decidedAt ?? '',
          ':decidedCount': decided.votes.length,
        },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
};
