import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import * as z from 'zod';
import { approvalLink, createApprovalId, epochSeconds } from '../approval/approval-link';
import { formatTime } from '../approval/approval-page';
import { putPendingApproval, type ApprovalRecord } from '../approval/approval-store';
import { approvalTimeoutSeconds } from '../platform/config';
import { InvalidInputError } from '../platform/errors';
import { getLinkSecret } from '../approval/link-secret';
import { logger } from '../platform/logger';
import { awsRuntime, type Runtime } from '../platform/runtime';
import type { BatchApprovalSummary } from './batch';

/**
 * RequestApproval of the control-hygiene batch (.waitForTaskToken): ONE approval for the whole batch, through the
 * same approval store, signed link, confirmation page and approval API as remediations. Only the email differs:
 * it lists every control of the batch, and there is no finding to mark NOTIFIED.
 */

export interface RequestBatchApprovalInput {
  taskToken: string;
  executionId: string;
  approval: BatchApprovalSummary;
}

const inputSchema = z.object({
  taskToken: z.string().min(1),
  executionId: z.string().min(1),
  approval: z.object({
    finding: z.looseObject({ id: z.string().min(1), title: z.string(), resource: z.looseObject({ id: z.string() }) }),
    assessment: z.looseObject({ routeReason: z.string(), evidence: z.array(z.object({ fact: z.string(), source: z.string() })) }),
  }),
});

const parseInput = (raw: unknown): RequestBatchApprovalInput => {
  const result = inputSchema.safeParse(raw);
  if (!result.success) {
    // Paths and messages only: zod issues do not echo values, so the task token stays out of the error.
    throw new InvalidInputError(
      `RequestBatchApproval input is invalid: ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return result.data as unknown as RequestBatchApprovalInput;
};

const SUBJECT_LIMIT = 100;

export const batchEmailSubject = (summary: BatchApprovalSummary): string => {
  const subject = `[hubfix] Approval needed: ${summary.finding.title}`
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/\s+/g, ' ')
    .trim();
  return subject.length <= SUBJECT_LIMIT ? subject : `${subject.slice(0, SUBJECT_LIMIT - 3)}...`;
};

/** The plain-text email: what the batch does, the full list with each reason, and one link. */
export const batchEmailMessage = (record: ApprovalRecord, link: string): string => {
  const { finding, assessment } = record;
  const plan = assessment.plan;
  return [
    'A batch of Security Hub control changes needs your decision.',
    '',
    `Batch:     ${finding.title}`,
    `Accounts:  ${finding.accountId}`,
    `Regions:   ${finding.region}`,
    '',
    'WHY',
    assessment.routeReason,
    '',
    `THE CONTROLS (${assessment.evidence.length}), EACH WITH THE REASON RECORDED ON IT`,
    ...assessment.evidence.map((e) => `- ${e.fact}`),
    '',
    'THE CHANGE IF APPROVED',
    ...(plan
      ? [plan.summary, 'Reversible: yes (hubfix controls enable --from <the execution output> restores them).']
      : ['No plan was recorded: approving changes nothing.']),
    '',
    'TO APPROVE OR REJECT',
    'Open this link. It opens a confirmation page; nothing happens until you press Approve or Reject there:',
    link,
    '',
    `The link expires ${formatTime(record.expiresAt)}. After that hubfix stops waiting and changes nothing.`,
    `Workflow execution: ${record.executionId}`,
  ].join('\n');
};

export const requestBatchApproval = async (
  rt: Runtime,
  input: RequestBatchApprovalInput,
): Promise<{ approvalId: string; expiresAt: number }> => {
  const nowSeconds = epochSeconds(rt.now());
  const expiresAt = Math.min(
    nowSeconds + Math.round(rt.config.approval.linkLifetimeHours * 3600),
    nowSeconds + approvalTimeoutSeconds(rt.config),
  );
  const approvalId = createApprovalId();
  const record = await putPendingApproval(rt, {
    approvalId,
    kind: 'control-hygiene',
    taskToken: input.taskToken,
    executionId: input.executionId,
    finding: input.approval.finding,
    assessment: input.approval.assessment,
    trigger: 'custom-action',
    createdAt: rt.now().toISOString(),
    expiresAt,
  });
  logger.appendKeys({ approvalId, executionId: input.executionId });
  logger.info('Batch approval stored', { expiresAt, controls: input.approval.assessment.evidence.length });
  const link = approvalLink(rt.settings.approvalBaseUrl, approvalId, expiresAt, await getLinkSecret(rt));
  await rt.clients.home(SNSClient).send(
    new PublishCommand({
      TopicArn: rt.settings.approvalTopicArn,
      Subject: batchEmailSubject(input.approval),
      Message: batchEmailMessage(record, link),
    }),
  );
  logger.info('Batch approval email published');
  return { approvalId, expiresAt };
};

export const createRequestBatchApprovalHandler = (runtime: () => Runtime) =>
  // logEvent stays off whatever the environment says: the input carries the task token.
  middy(async (event: unknown) => requestBatchApproval(runtime(), parseInput(event))).use(
    injectLambdaContext(logger, { clearState: true, logEvent: false }),
  );

export const handler = createRequestBatchApprovalHandler(awsRuntime);
