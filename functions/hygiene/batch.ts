import {
  BatchGetStandardsControlAssociationsCommand,
  BatchUpdateStandardsControlAssociationsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import * as z from 'zod';
import type { ClientFactory } from '../platform/clients';
import { InvalidInputError } from '../platform/errors';
import { requesterSchema, type Requester } from '../findings/requester';
import type { Assessment, FindingRef } from '../findings/types';
import { standardName } from './standards';
import type { AssociationStatus, ChangeGroup, ControlChange, ControlChangeRequest, HygieneBatchInput, HygieneRunRecord } from './types';

/**
 * The steps of the control-hygiene workflow, as plain functions: prepare (validate, group per account and
 * region, the approval summary), apply one group, and record the change list the execution returns.
 */

const changeSchema = z
  .object({
    accountId: z.string().regex(/^\d{12}$/),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
    standardsArn: z.string().regex(/^arn:aws[\w-]*:securityhub:/),
    securityControlId: z.string().regex(/^[A-Za-z0-9]+\.\d+$/),
    status: z.enum(['ENABLED', 'DISABLED']),
    reason: z.string().trim().min(1).max(500),
  })
  .strict();

export const batchInputSchema = z
  .object({
    mode: z.enum(['disable', 'enable']),
    changes: z.array(changeSchema).max(5000),
    requestedBy: z.string().trim().min(1).max(100),
    requester: requesterSchema.optional(),
  })
  .superRefine((input, ctx) => {
    const wanted = input.mode === 'disable' ? 'DISABLED' : 'ENABLED';
    input.changes.forEach((c, i) => {
      if (c.status !== wanted)
        ctx.addIssue({ code: 'custom', path: ['changes', i, 'status'], message: `a ${input.mode} batch only sets ${wanted}` });
    });
  });

export const parseBatchInput = (raw: unknown): HygieneBatchInput => {
  const result = batchInputSchema.safeParse(raw);
  if (!result.success) {
    throw new InvalidInputError(
      `Control hygiene batch is invalid: ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return result.data;
};

/** One Map item per account and region; BatchUpdateStandardsControlAssociations takes at most 100 updates, so larger groups split. */
export const GROUP_LIMIT = 100;

const DISABLE_EFFECT = 'archives the findings of a control once no enabled standard keeps it';

export const groupChanges = (changes: ControlChangeRequest[]): ChangeGroup[] => {
  const groups = new Map<string, ControlChangeRequest[]>();
  for (const change of changes) {
    const key = `${change.accountId}|${change.region}`;
    groups.set(key, [...(groups.get(key) ?? []), change]);
  }
  return [...groups.values()].flatMap((list) => {
    const chunks: ChangeGroup[] = [];
    for (let i = 0; i < list.length; i += GROUP_LIMIT)
      chunks.push({ accountId: list[0].accountId, region: list[0].region, changes: list.slice(i, i + GROUP_LIMIT) });
    return chunks;
  });
};

/** What the approval email and page show: the batch as one request with the full list as its plan. */
export interface BatchApprovalSummary {
  finding: FindingRef;
  assessment: Assessment;
  /** Who started the batch, when the command said (they cannot approve it). */
  requestedBy?: Requester;
}

const unique = (values: string[]) => [...new Set(values)].sort();

export const approvalSummary = (input: HygieneBatchInput, now: Date, executionId: string): BatchApprovalSummary => {
  const accounts = unique(input.changes.map((c) => c.accountId));
  const regions = unique(input.changes.map((c) => c.region));
  const verb = input.mode === 'disable' ? 'Disable' : 'Re-enable';
  const subject =
    `${input.changes.length} Security Hub control association${input.changes.length === 1 ? '' : 's'} in ` +
    `${accounts.length} account${accounts.length === 1 ? '' : 's'}`;
  return {
    ...(input.requester ? { requestedBy: input.requester } : {}),
    finding: {
      // Not a Security Hub finding: the batch's own identity, so the approval record names what it is about.
      id: `hubfix-control-hygiene/${executionId.split(':').pop() ?? executionId}`,
      productArn: 'hubfix:control-hygiene',
      accountId: accounts.join(', '),
      region: regions.join(', '),
      title: `Control hygiene: ${verb.toLowerCase()} ${subject}`,
      controlId: 'control hygiene',
      standardControlId: 'control hygiene',
      severity: 'INFORMATIONAL',
      complianceStatus: 'NOT_AVAILABLE',
      workflowStatus: 'NEW',
      recordState: 'ACTIVE',
      updatedAt: now.toISOString(),
      resource: {
        type: 'AwsSecurityHubStandardsControlAssociations',
        id: subject,
        canonicalId: subject,
        region: regions.join(', '),
        partition: 'aws',
      },
    },
    assessment: {
      controlId: 'control hygiene',
      route: 'approval',
      routeReason:
        `${input.requestedBy} asked hubfix to ${verb.toLowerCase()} Security Hub controls in a batch; every control of the ` +
        `batch is listed below with the reason recorded on it.`,
      evidence: input.changes.map((c) => ({
        fact: `${c.accountId} ${c.region}: ${c.securityControlId} in ${standardName(c.standardsArn)} — ${c.reason}`,
        source: 'securityhub:BatchGetStandardsControlAssociations (hubfix controls audit)',
      })),
      plan: {
        summary:
          `${verb} ${subject} with BatchUpdateStandardsControlAssociations (${regions.length} ` +
          `region${regions.length === 1 ? '' : 's'}); Security Hub ` +
          `${input.mode === 'disable' ? DISABLE_EFFECT : 'evaluates the controls again'}.`,
        steps: input.changes.map(
          (c) => `${c.accountId} ${c.region}: set ${c.securityControlId} ${c.status} in ${standardName(c.standardsArn)}`,
        ),
        reversible: true,
        parameters: {},
      },
      assessedAt: now.toISOString(),
    },
  };
};

export interface PreparedBatch {
  mode: HygieneBatchInput['mode'];
  requestedBy: string;
  size: number;
  groups: ChangeGroup[];
  approval: BatchApprovalSummary;
}

export const prepareBatch = (raw: unknown, now: Date, executionId: string): PreparedBatch => {
  const input = parseBatchInput(raw);
  return {
    mode: input.mode,
    requestedBy: input.requestedBy,
    size: input.changes.length,
    groups: groupChanges(input.changes),
    approval: approvalSummary(input, now, executionId),
  };
};

export interface ApplyGroupInput {
  group: ChangeGroup;
  executionId: string;
  approval?: { decision?: string; approver?: string };
}

type StatusRead = { status: AssociationStatus | 'UNKNOWN'; reason?: string };

const readStatuses = async (hub: SecurityHubClient, changes: ControlChangeRequest[]): Promise<Map<string, StatusRead>> => {
  const result = await hub.send(
    new BatchGetStandardsControlAssociationsCommand({
      StandardsControlAssociationIds: changes.map((c) => ({ SecurityControlId: c.securityControlId, StandardsArn: c.standardsArn })),
    }),
  );
  return new Map(
    (result.StandardsControlAssociationDetails ?? []).map((d) => [
      `${d.StandardsArn}|${d.SecurityControlId}`,
      { status: d.AssociationStatus as AssociationStatus, reason: d.UpdatedReason },
    ]),
  );
};

/**
 * Applies one account-and-region group: reads each association (before), updates those not already as asked with
 * the reason recorded on the control, and reads them again (after): the change record is what Security Hub
 * reports, not what was asked. Per-control refusals are recorded, not thrown, so one bad control does not stop the batch.
 */
export const applyGroup = async (clients: ClientFactory, input: ApplyGroupInput, now: () => Date): Promise<ControlChange[]> => {
  const { group } = input;
  const hub = clients.at(SecurityHubClient, {
    accountId: group.accountId,
    region: group.region,
    access: 'hygiene',
    sessionName: 'hubfix-control-hygiene',
  });
  const before = await readStatuses(hub, group.changes);
  const key = (c: ControlChangeRequest) => `${c.standardsArn}|${c.securityControlId}`;
  const pending = group.changes.filter((c) => before.get(key(c))?.status !== c.status);
  const refused = new Map<string, string>();
  if (pending.length > 0) {
    const result = await hub.send(
      new BatchUpdateStandardsControlAssociationsCommand({
        StandardsControlAssociationUpdates: pending.map((c) => ({
          StandardsArn: c.standardsArn,
          SecurityControlId: c.securityControlId,
          AssociationStatus: c.status,
          UpdatedReason: c.reason,
        })),
      }),
    );
    for (const u of result.UnprocessedAssociationUpdates ?? []) {
      refused.set(
        `${u.StandardsControlAssociationUpdate?.StandardsArn}|${u.StandardsControlAssociationUpdate?.SecurityControlId}`,
        `${u.ErrorCode}: ${u.ErrorReason ?? ''}`.trim(),
      );
    }
  }
  const after = await readStatuses(hub, group.changes);
  const changedAt = now().toISOString();
  return group.changes.map((c) => {
    const was = before.get(key(c)) ?? { status: 'UNKNOWN' };
    const is = after.get(key(c)) ?? { status: 'UNKNOWN' };
    const error = refused.get(key(c)) ?? (is.status !== c.status ? `Security Hub reports ${is.status} after the update` : undefined);
    return {
      accountId: c.accountId,
      region: c.region,
      standardsArn: c.standardsArn,
      securityControlId: c.securityControlId,
      before: was,
      after: is,
      reason: c.reason,
      outcome: error ? 'failed' : was.status === c.status ? 'unchanged' : 'changed',
      ...(error ? { error } : {}),
      changedAt,
      executionId: input.executionId,
      ...(input.approval?.approver ? { approvedBy: input.approval.approver } : {}),
    };
  });
};

/** A Map iteration whose whole group failed (the ASL's GroupFailed state). */
export interface FailedGroup {
  failedGroup: ChangeGroup;
  error: { Error: string; Cause?: string };
}

export interface RecordInput {
  executionId: string;
  mode: HygieneBatchInput['mode'];
  requestedBy: string;
  size: number;
  approval?: { decision: string; approver?: string; reason?: string; decidedAt?: string };
  results?: (ControlChange[] | FailedGroup)[];
  error?: { Error: string; Cause?: string } | null;
}

/** Every change of a group that failed as a whole: nothing is known to have changed. */
const failedChanges = (result: FailedGroup, executionId: string, changedAt: string): ControlChange[] =>
  result.failedGroup.changes.map((c) => ({
    accountId: c.accountId,
    region: c.region,
    standardsArn: c.standardsArn,
    securityControlId: c.securityControlId,
    before: { status: 'UNKNOWN' },
    after: { status: 'UNKNOWN' },
    reason: c.reason,
    outcome: 'failed',
    error: `${result.error.Error}: ${result.error.Cause ?? ''}`.slice(0, 1000),
    changedAt,
    executionId,
  }));

/** The execution's output: every change as made, with counts and the decision; `hubfix controls enable --from` reverses it. */
export const recordRun = (input: RecordInput, now: Date = new Date()): HygieneRunRecord => {
  const changes = (input.results ?? []).flatMap((r) => (Array.isArray(r) ? r : failedChanges(r, input.executionId, now.toISOString())));
  const counts = {
    requested: input.size,
    changed: changes.filter((c) => c.outcome === 'changed').length,
    unchanged: changes.filter((c) => c.outcome === 'unchanged').length,
    failed: changes.filter((c) => c.outcome === 'failed').length,
  };
  const decision = input.approval?.decision;
  const status: HygieneRunRecord['status'] = input.error
    ? input.error.Error === 'States.Timeout'
      ? 'timed-out'
      : 'failed'
    : decision === 'rejected'
      ? 'rejected'
      : input.size === 0
        ? 'nothing-to-do'
        : counts.failed > 0
          ? 'partially-applied'
          : 'applied';
  return {
    kind: 'hubfix-control-hygiene',
    mode: input.mode,
    status,
    executionId: input.executionId,
    requestedBy: input.requestedBy,
    ...(input.approval && input.approval.decision !== 'not-requested' ? { approval: input.approval } : {}),
    changes,
    counts,
    ...(input.error ? { error: input.error } : {}),
  };
};

/** The enable batch that undoes a run: every association the run changed goes back to ENABLED. */
export const reversal = (record: HygieneRunRecord, requestedBy: string): HygieneBatchInput => ({
  mode: 'enable',
  requestedBy,
  changes: record.changes
    .filter((c) => c.outcome === 'changed' && c.before.status === 'ENABLED')
    .map((c) => ({
      accountId: c.accountId,
      region: c.region,
      standardsArn: c.standardsArn,
      securityControlId: c.securityControlId,
      status: 'ENABLED',
      reason: `hubfix control hygiene: re-enabled, undoing ${record.executionId}`.slice(0, 500),
    })),
});
