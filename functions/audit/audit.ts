import { createHash } from 'node:crypto';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Annotation } from '../workflow/annotation';
import { documentClient, isConditionFailure } from '../platform/dynamo';
import { causeMessage } from '../workflow/outcome';
import type { Runtime } from '../platform/runtime';
import type { Requester } from '../findings/requester';
import type { Evidence, FailedStep, Outcome, RequestedAction, Risk, Route, SkipKind, Trigger } from '../findings/types';
import { failureOf, type AnnotatedState } from '../workflow/workflow-failure';

/**
 * The audit trail: one durable record per workflow run, written once by Annotate (the last step of every
 * path) and never updated. It answers what auditors ask: which finding, what the assessment saw, why this
 * route, who approved and why, what changed (before/after), whether the fix was verified, and when each step
 * happened. Kept in DynamoDB (point-in-time recovery, deletion protection, no TTL); Annotate may only PutItem,
 * conditionally, so a record is never overwritten, and no role may update or delete one.
 */

/**
 * 2: findingKey (the run-history index) and the canonical resource id. 3: `error.step`, the step whose Catch fired,
 * as the definition recorded it. Readers accept 1 to 3 (docs/upgrades.md).
 */
export const AUDIT_SCHEMA_VERSION = 3;
/** Every record shares this GSI partition, so "all runs since DATE" is one Query ordered by annotatedAt. */
export const AUDIT_PARTITION = 'run';
export const AUDIT_TIME_INDEX = 'byAnnotatedAt';
/** Every run of one finding, newest first: hubfix's own record of what it did (Undo and loop protection read it). */
export const AUDIT_FINDING_INDEX = 'byFinding';

/** The run-history partition of a finding: a digest of its ProductArn and Id (fixed size whatever the id). */
export const findingKeyOf = (finding: { id: string; productArn: string }): string =>
  createHash('sha256').update(`${finding.productArn}\n${finding.id}`).digest('hex');

export interface AuditRecord {
  /** The execution ARN: the table key, so a retried Annotate cannot write a second record. */
  executionId: string;
  /** Constant GSI partition key (see AUDIT_PARTITION). */
  auditPartition: typeof AUDIT_PARTITION;
  /** findingKeyOf(finding): the partition of the run-history index. */
  findingKey: string;
  schemaVersion: 1 | 2 | typeof AUDIT_SCHEMA_VERSION;
  finding: {
    id: string;
    productArn: string;
    title: string;
    controlId: string;
    standardControlId: string;
    severity: string;
    /** Compliance status when hubfix received the finding. */
    complianceStatus: string;
    accountId: string;
    region: string;
    resourceType: string;
    /** The canonical resource (canonical-resource.ts); in schema 1 records, the id as the finding reported it. */
    resourceId: string;
    /** The resource id exactly as the finding reported it (schema 2). */
    reportedResourceId?: string;
    resourceRegion: string;
  };
  action: RequestedAction;
  trigger: Trigger;
  /** Who started the run, as its execution input said (absent: Security Hub started it, or nobody said who). */
  requestedBy?: Requester;
  assessment?: {
    pluginId?: string;
    route: Route;
    skip?: SkipKind;
    routeReason: string;
    risk?: Risk;
    evidence: Evidence[];
    plan?: { summary: string; reversible: boolean; target?: string };
    /** The blast limit that paused the automatic path, if one did. */
    held?: string;
  };
  approval?: { decision: 'approved' | 'rejected'; approver: string; reason: string };
  change?: { summary: string; before: unknown; after: unknown; reversible: boolean };
  verification?: { observed: string };
  /** `step` (schema 3): the step that failed, as the execution recorded it; absent in earlier records. */
  error?: { step?: FailedStep; name: string; message: string };
  outcome: Outcome;
  workflowStatus?: string;
  /** The note as hubfix composed it (the finding keeps at most 512 characters of it). */
  note: string;
  receivedAt: string;
  assessedAt?: string;
  decidedAt?: string;
  changedAt?: string;
  checkedAt?: string;
  annotatedAt: string;
  /** receivedAt → checkedAt, for resolved runs only. */
  timeToRemediateSeconds?: number;
  /** assessedAt (the approval request follows the assessment at once) → decidedAt, for decided approvals. */
  approvalWaitSeconds?: number;
}

const secondsBetween = (from: string | undefined, to: string | undefined): number | undefined => {
  if (!from || !to) return undefined;
  const seconds = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) / 1000 : undefined;
};

/** Everything the execution knows at Annotate, plus the outcome it wrote, as one record. */
export const buildAuditRecord = (
  state: AnnotatedState,
  executionId: string,
  annotation: Annotation & { outcome: Outcome },
  annotatedAt: Date,
): AuditRecord => {
  const { finding, assessment, approval, change, verification } = state;
  const failure = failureOf(state);
  return {
    executionId,
    auditPartition: AUDIT_PARTITION,
    findingKey: findingKeyOf(finding),
    schemaVersion: AUDIT_SCHEMA_VERSION,
    finding: {
      id: finding.id,
      productArn: finding.productArn,
      title: finding.title,
      controlId: finding.controlId,
      standardControlId: finding.standardControlId,
      severity: finding.severity,
      complianceStatus: finding.complianceStatus,
      accountId: finding.accountId,
      region: finding.region,
      resourceType: finding.resource.type,
      resourceId: finding.resource.canonicalId,
      reportedResourceId: finding.resource.id,
      resourceRegion: finding.resource.region,
    },
    action: state.action,
    trigger: state.trigger,
    requestedBy: state.requestedBy,
    assessment: assessment && {
      pluginId: assessment.pluginId,
      route: assessment.route,
      skip: assessment.skip,
      routeReason: assessment.routeReason,
      risk: assessment.risk,
      evidence: assessment.evidence,
      plan: assessment.plan && { summary: assessment.plan.summary, reversible: assessment.plan.reversible, target: assessment.plan.target },
      held: assessment.held,
    },
    approval: approval && { decision: approval.decision, approver: approval.approver, reason: approval.reason },
    change: change && { summary: change.summary, before: change.before, after: change.after, reversible: change.reversible },
    verification: verification && { observed: verification.observed },
    error:
      failure === 'unreadable'
        ? {
            name: 'UnreadableFailure',
            message: `the execution recorded a failure this version cannot read: ${JSON.stringify(state.failure)}`,
          }
        : failure && { step: failure.step, name: failure.error.Error, message: causeMessage(failure.error) },
    outcome: annotation.outcome,
    workflowStatus: annotation.workflowStatus,
    note: annotation.note,
    receivedAt: state.receivedAt,
    assessedAt: assessment?.assessedAt,
    decidedAt: approval?.decidedAt,
    changedAt: change?.changedAt,
    checkedAt: verification?.checkedAt,
    annotatedAt: annotatedAt.toISOString(),
    timeToRemediateSeconds: annotation.outcome === 'resolved' ? secondsBetween(state.receivedAt, verification?.checkedAt) : undefined,
    approvalWaitSeconds: approval ? secondsBetween(assessment?.assessedAt, approval.decidedAt) : undefined,
  };
};

/** The table as both the stack and the local sandbox create it (the stack adds PITR and deletion protection). */
export const auditTableDefinition = (tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  AttributeDefinitions: [
    { AttributeName: 'executionId', AttributeType: 'S' },
    { AttributeName: 'auditPartition', AttributeType: 'S' },
    { AttributeName: 'annotatedAt', AttributeType: 'S' },
    { AttributeName: 'findingKey', AttributeType: 'S' },
  ],
  KeySchema: [{ AttributeName: 'executionId', KeyType: 'HASH' }],
  GlobalSecondaryIndexes: [
    {
      IndexName: AUDIT_TIME_INDEX,
      KeySchema: [
        { AttributeName: 'auditPartition', KeyType: 'HASH' },
        { AttributeName: 'annotatedAt', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
    {
      IndexName: AUDIT_FINDING_INDEX,
      KeySchema: [
        { AttributeName: 'findingKey', KeyType: 'HASH' },
        { AttributeName: 'annotatedAt', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
  BillingMode: 'PAY_PER_REQUEST',
});

/**
 * Writes the record unless this execution already has one (a retried Annotate): the first record stands.
 * Returns false when it was already there, so the caller counts each run's metrics once.
 */
export const putAuditRecord = async (rt: Runtime, record: AuditRecord): Promise<boolean> => {
  try {
    await documentClient(rt).send(
      new PutCommand({
        TableName: rt.settings.auditTableName,
        Item: record,
        ConditionExpression: 'attribute_not_exists(executionId)',
      }),
    );
    return true;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return false;
  }
};

/** Partition of the time index for control-hygiene batches (kept apart from per-finding runs). */
export const HYGIENE_AUDIT_PARTITION = 'control-hygiene';

/**
 * A control-hygiene batch's durable record (every control association it changed, with before/after, reason and
 * approver), in the same write-once table as remediation runs, under its own time-index partition.
 */
export const putHygieneAuditRecord = async (rt: Runtime, record: { executionId: string }): Promise<boolean> =>
  putAuditRecord(rt, { ...record, auditPartition: HYGIENE_AUDIT_PARTITION, annotatedAt: rt.now().toISOString() } as unknown as AuditRecord);

export interface AuditRange {
  /** Inclusive, ISO 8601 (a date "2026-11-01" works: it sorts before every time of that day). */
  since: string;
  /** Exclusive, ISO 8601; open-ended when absent. */
  until?: string;
}

/** Every record annotated in the range, oldest first: one Query of the time index, page by page. */
export const readAuditRecords = async (doc: DynamoDBDocumentClient, tableName: string, range: AuditRange): Promise<AuditRecord[]> => {
  const records: AuditRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: AUDIT_TIME_INDEX,
        KeyConditionExpression: range.until
          ? 'auditPartition = :partition AND annotatedAt BETWEEN :since AND :until'
          : 'auditPartition = :partition AND annotatedAt >= :since',
        ExpressionAttributeValues: {
          ':partition': AUDIT_PARTITION,
          ':since': range.since,
          ...(range.until ? { ':until': range.until } : {}),
        },
        ExclusiveStartKey: startKey,
      }),
    );
    records.push(...((page.Items ?? []) as AuditRecord[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  // BETWEEN is inclusive at both ends; `until` is documented as exclusive.
  return range.until ? records.filter((r) => r.annotatedAt < (range.until as string)) : records;
};
