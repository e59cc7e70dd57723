import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { annotateFinding } from '../workflow/annotation';
import { approvalTimeoutSeconds } from '../platform/config';
import { InvalidInputError } from '../platform/errors';
import { logger } from '../platform/logger';
import type { Runtime } from '../platform/runtime';
import { requesterSchema, type Requester } from '../findings/requester';
import type { Assessment, FindingRef, Trigger } from '../findings/types';
import { approvalLink, createApprovalId, epochSeconds } from './approval-link';
import { approvalEmail } from './approval-email';
import { formatTime } from './approval-page';
import { putPendingApproval, type ApprovalKind, type ApprovalRecord } from './approval-store';
import { getLinkSecret } from './link-secret';

/**
 * The RequestApproval state of both workflows (.waitForTaskToken): stores the task token under a random approval id,
 * emails approvers ONE link to the confirmation page, and, for a finding's remediation, marks the finding NOTIFIED.
 * A control-hygiene batch is one approval for the whole batch: same store, link, page and API; its email lists every
 * control, and there is no finding to mark. The workflow then waits until the approval API answers or the state's
 * timeout fires.
 */

/** The remediation workflow's input. */
export interface RequestApprovalInput {
  taskToken: string;
  executionId: string;
  finding: FindingRef;
  assessment: Assessment;
  trigger: Trigger;
  /** The execution input as StartExecution received it: read for its `requestedBy` only (findings/requester.ts). */
  executionInput?: { requestedBy?: unknown };
}

/** The control-hygiene workflow's input: the batch summarized as one finding and assessment (hygiene/batch.ts). */
export interface RequestBatchApprovalInput {
  taskToken: string;
  executionId: string;
  approval: { finding: FindingRef; assessment: Assessment; requestedBy?: Requester };
}

/** Either input, read as one request. */
export interface ApprovalRequest extends Omit<RequestApprovalInput, 'executionInput'> {
  kind: ApprovalKind;
  /** Who started the run, when a known person did: they cannot approve it. */
  requestedBy?: Requester;
}

export interface RequestApprovalResult {
  approvalId: string;
  /** Epoch seconds. */
  expiresAt: number;
}

/** Each fact with where and over which window it was read, and whether the signal could not be seen (findings/evidence.ts). */
const evidence = z.array(
  z.object({
    fact: z.string(),
    source: z.string(),
    where: z.string().optional(),
    window: z.string().optional(),
    unseen: z.boolean().optional(),
  }),
);

/** The fields this step reads; the rest of the finding and assessment is kept as it came. */
const remediationSchema = z.object({
  taskToken: z.string().min(1),
  executionId: z.string().min(1),
  finding: z.looseObject({
    id: z.string().min(1),
    productArn: z.string().min(1),
    accountId: z.string(),
    region: z.string(),
    title: z.string(),
    controlId: z.string(),
    severity: z.string(),
    resource: z.looseObject({ type: z.string(), id: z.string(), canonicalId: z.string(), region: z.string() }),
  }),
  assessment: z.looseObject({ routeReason: z.string(), evidence }),
  trigger: z.enum(['custom-action', 'imported']),
  executionInput: z.looseObject({ requestedBy: requesterSchema.optional() }).optional(),
});

const batchSchema = z.object({
  taskToken: z.string().min(1),
  executionId: z.string().min(1),
  approval: z.object({
    finding: z.looseObject({ id: z.string().min(1), title: z.string(), resource: z.looseObject({ id: z.string() }) }),
    assessment: z.looseObject({ routeReason: z.string(), evidence }),
    requestedBy: requesterSchema.optional(),
  }),
});

/** Paths and messages only: zod issues do not echo values, so the task token stays out of the error. */
const invalid = (error: z.ZodError): InvalidInputError =>
  new InvalidInputError(
    `RequestApproval input is invalid: ${error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`,
  );

/** A batch is told by its `approval` field; anything else is read as a remediation and must be one. */
export const parseApprovalRequest = (raw: unknown): ApprovalRequest => {
  if (typeof raw === 'object' && raw !== null && 'approval' in raw) {
    const batch = batchSchema.safeParse(raw);
    if (!batch.success) throw invalid(batch.error);
    const input = batch.data as unknown as RequestBatchApprovalInput;
    return {
      kind: 'control-hygiene',
      taskToken: input.taskToken,
      executionId: input.executionId,
      ...input.approval,
      trigger: 'custom-action',
    };
  }
  const result = remediationSchema.safeParse(raw);
  if (!result.success) throw invalid(result.error);
  const { executionInput, ...request } = result.data as unknown as RequestApprovalInput & { executionInput?: { requestedBy?: Requester } };
  const requestedBy = executionInput?.requestedBy;
  return { kind: 'remediation', ...request, ...(requestedBy ? { requestedBy } : {}) };
};

/** A finding waiting for a decision says so; failing here would make Step Functions retry and send a second link. */
const markAwaitingApproval = async (rt: Runtime, request: ApprovalRequest, expiresAt: number): Promise<void> => {
  try {
    await annotateFinding(rt.clients.home(SecurityHubClient), request.finding, {
      outcome: 'awaiting-approval',
      workflowStatus: 'NOTIFIED',
      note: `Awaiting approval: ${request.assessment.routeReason} (sent to approvers, expires ${formatTime(expiresAt)})`,
      fields: { execution: request.executionId },
    });
  } catch (error) {
    // The email is already out; the final Annotate step writes the outcome either way.
    logger.warn('Could not mark the finding as awaiting approval', {
      errorName: (error as Error).name,
      errorMessage: (error as Error).message,
    });
  }
};

/** Slack is a second channel: when it fails the email is out already, and a retry of this step would send a second one. */
const postToSlack = async (rt: Runtime, record: ApprovalRecord): Promise<void> => {
  try {
    // Loaded only when Slack is configured: the Slack SDK stays out of the step's first load otherwise.
    const { postSlackApproval } = await import('./slack/post-approval');
    const message = await postSlackApproval(rt, record);
    logger.info('Approval posted to Slack', { channel: message.channel, ts: message.ts });
  } catch (error) {
    logger.warn('Could not post the approval to Slack', { errorName: (error as Error).name, errorMessage: (error as Error).message });
  }
};

export const requestApproval = async (rt: Runtime, request: ApprovalRequest): Promise<RequestApprovalResult> => {
  const now = rt.now();
  const nowSeconds = epochSeconds(now);
  // The link never outlives the wait (the config schema enforces it too): a click after the timeout could not be delivered.
  const expiresAt = Math.min(
    nowSeconds + Math.round(rt.config.approval.linkLifetimeHours * 3600),
    nowSeconds + approvalTimeoutSeconds(rt.config),
  );
  const approvalId = createApprovalId();
  const record = await putPendingApproval(rt, {
    approvalId,
    kind: request.kind,
    taskToken: request.taskToken,
    executionId: request.executionId,
    finding: request.finding,
    assessment: request.assessment,
    trigger: request.trigger,
    createdAt: now.toISOString(),
    expiresAt,
    ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
  });
  logger.appendKeys({ approvalId, executionId: request.executionId });
  logger.info('Approval stored', {
    kind: request.kind,
    expiresAt,
    evidence: request.assessment.evidence.length,
    requestedBy: request.requestedBy?.arn ?? request.requestedBy?.subject,
  });

  const email = approvalEmail(record, approvalLink(rt.settings.approvalBaseUrl, approvalId, expiresAt, await getLinkSecret(rt)));
  await rt.clients
    .home(SNSClient)
    .send(new PublishCommand({ TopicArn: rt.settings.approvalTopicArn, Subject: email.subject, Message: email.message }));
  logger.info('Approval email published');
  if (rt.config.slack) await postToSlack(rt, record);

  if (request.kind === 'remediation') await markAwaitingApproval(rt, request, expiresAt);
  return { approvalId, expiresAt };
};
