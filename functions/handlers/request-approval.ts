import { evidenceSource } from '../findings/evidence';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import * as z from 'zod';
import { annotateFinding } from '../workflow/annotation';
import { approvalTimeoutSeconds } from '../platform/config';
import { approvalLink, createApprovalId, epochSeconds } from '../approval/approval-link';
import { formatTime } from '../approval/approval-page';
import { putPendingApproval, type ApprovalRecord } from '../approval/approval-store';
import { InvalidInputError } from '../platform/errors';
import { getLinkSecret } from '../approval/link-secret';
import { postSlackApproval } from '../approval/slack/post-approval';
import { logger } from '../platform/logger';
import { awsRuntime, type Runtime } from '../platform/runtime';
import type { Assessment, FindingRef, Trigger } from '../findings/types';
import { emailText } from '../platform/untrusted-text';

/**
 * The RequestApproval state (.waitForTaskToken): stores the task token under a random approval id, emails
 * approvers ONE link to the confirmation page, and marks the finding NOTIFIED. The workflow then waits
 * until the approval API answers or the state's timeout fires.
 */

export interface RequestApprovalInput {
  taskToken: string;
  executionId: string;
  finding: FindingRef;
  assessment: Assessment;
  trigger: Trigger;
}

export interface RequestApprovalResult {
  approvalId: string;
  /** Epoch seconds. */
  expiresAt: number;
}

/** The fields this step reads; the rest of the finding and assessment is kept as it came. */
const inputSchema = z.object({
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
  assessment: z.looseObject({
    routeReason: z.string(),
    evidence: z.array(
      z.object({
        fact: z.string(),
        source: z.string(),
        where: z.string().optional(),
        window: z.string().optional(),
        unseen: z.boolean().optional(),
      }),
    ),
  }),
  trigger: z.enum(['custom-action', 'imported']),
});

const parseInput = (raw: unknown): RequestApprovalInput => {
  const result = inputSchema.safeParse(raw);
  if (!result.success) {
    // Paths and messages only: zod issues do not echo values, so the task token stays out of the error.
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new InvalidInputError(`RequestApproval input is invalid: ${problems.join('; ')}`);
  }
  return result.data as unknown as RequestApprovalInput;
};

const SUBJECT_LIMIT = 100;

/** SNS email subjects: ASCII, one line, at most 100 characters. */
export const emailSubject = (finding: FindingRef): string => {
  const ascii = (text: string) =>
    text
      .replace(/[^\x20-\x7e]/g, '?')
      .replace(/\s+/g, ' ')
      .trim();
  const subject = ascii(`[hubfix] Approval needed: ${finding.controlId} on ${finding.resource.canonicalId} (${finding.accountId})`);
  return subject.length <= SUBJECT_LIMIT ? subject : `${subject.slice(0, SUBJECT_LIMIT - 3)}...`;
};

/**
 * The plain-text email: what, where, why a person must decide, the evidence, the plan, and one link. Every value
 * that comes from a finding or from what a control read (titles, ids, tags, user agents) is one line, capped and
 * defanged (emailText): no forged block, no link but hubfix's own.
 */
export const emailMessage = (record: ApprovalRecord, link: string): string => {
  const { finding, assessment } = record;
  const t = (text: string, limit?: number) => emailText(text, limit);
  const why =
    record.trigger === 'imported'
      ? `Security Hub reported this finding and hubfix did NOT fix it automatically, because: ${t(assessment.routeReason, 1_000)}`
      : `Someone asked hubfix to remediate this finding. It needs a person's decision because: ${t(assessment.routeReason, 1_000)}`;
  const plan = assessment.plan;
  const reported = finding.resource.id === finding.resource.canonicalId ? '' : ` (reported as ${t(finding.resource.id, 200)})`;
  const lines = [
    'A Security Hub finding needs your decision.',
    '',
    `Resource:  ${t(finding.resource.type, 100)} ${t(finding.resource.canonicalId, 300)}${reported}`,
    `Account:   ${t(finding.accountId, 20)}`,
    `Region:    ${t(finding.resource.region || finding.region, 30)}`,
    `Control:   ${t(finding.controlId, 40)}${finding.standardControlId && finding.standardControlId !== finding.controlId ? ` (${t(finding.standardControlId, 60)})` : ''}`,
    `Severity:  ${t(finding.severity, 20)}`,
    `Finding:   ${t(finding.title, 200)}`,
    '',
    'WHY A PERSON MUST DECIDE',
    why,
    ...(assessment.risk ? [`Risk: ${t(assessment.risk, 20)}`] : []),
    '',
    'EVIDENCE',
    ...(assessment.evidence.length > 0
      ? assessment.evidence.slice(0, 30).map((e) => `- ${t(e.fact)} (${t(evidenceSource(e), 300)})`)
      : ['- none recorded']),
    '',
    'THE CHANGE IF APPROVED',
    ...(plan
      ? [
          `On: ${t(plan.target ?? finding.resource.canonicalId, 300)}`,
          t(plan.summary),
          ...plan.steps.slice(0, 30).map((step, index) => `${index + 1}. ${t(step)}`),
          plan.reversible ? 'Reversible: yes (the previous state is recorded for rollback).' : 'Reversible: NO.',
        ]
      : ['No plan was recorded: approving changes nothing.']),
    '',
    'TO APPROVE OR REJECT',
    'Open this link. It opens a confirmation page; nothing happens until you press Approve or Reject there:',
    link,
    '',
    `The link expires ${formatTime(record.expiresAt)}. After that hubfix stops waiting and notes on the finding that nobody decided.`,
    `Workflow execution: ${record.executionId}`,
  ];
  return lines.join('\n');
};

/** Slack is a second channel: when it fails the email is out already, and a retry of this step would send a second one. */
const postToSlack = async (rt: Runtime, record: ApprovalRecord): Promise<void> => {
  try {
    const message = await postSlackApproval(rt, record);
    logger.info('Approval posted to Slack', { channel: message.channel, ts: message.ts });
  } catch (error) {
    logger.warn('Could not post the approval to Slack', { errorName: (error as Error).name, errorMessage: (error as Error).message });
  }
};

export const requestApproval = async (rt: Runtime, input: RequestApprovalInput): Promise<RequestApprovalResult> => {
  const now = rt.now();
  const nowSeconds = epochSeconds(now);
  // The link must never outlive the wait: a click after the timeout could not be delivered.
  // The link never outlives the wait (the config schema enforces it too).
  const expiresAt = Math.min(
    nowSeconds + Math.round(rt.config.approval.linkLifetimeHours * 3600),
    nowSeconds + approvalTimeoutSeconds(rt.config),
  );
  const approvalId = createApprovalId();
  const record = await putPendingApproval(rt, {
    approvalId,
    kind: 'remediation',
    taskToken: input.taskToken,
    executionId: input.executionId,
    finding: input.finding,
    assessment: input.assessment,
    trigger: input.trigger,
    createdAt: now.toISOString(),
    expiresAt,
  });
  logger.appendKeys({ approvalId, executionId: input.executionId });
  logger.info('Approval stored', { expiresAt });

  const link = approvalLink(rt.settings.approvalBaseUrl, approvalId, expiresAt, await getLinkSecret(rt));
  await rt.clients.home(SNSClient).send(
    new PublishCommand({
      TopicArn: rt.settings.approvalTopicArn,
      Subject: emailSubject(input.finding),
      Message: emailMessage(record, link),
    }),
  );
  logger.info('Approval email published');
  if (rt.config.slack) await postToSlack(rt, record);

  try {
    await annotateFinding(rt.clients.home(SecurityHubClient), input.finding, {
      outcome: 'awaiting-approval',
      workflowStatus: 'NOTIFIED',
      note: `Awaiting approval: ${input.assessment.routeReason} (sent to approvers, expires ${formatTime(expiresAt)})`,
      fields: { execution: input.executionId },
    });
  } catch (error) {
    // The email is already out: failing here would make Step Functions retry and send a second link.
    // The final Annotate step writes the outcome either way.
    logger.warn('Could not mark the finding as awaiting approval', {
      errorName: (error as Error).name,
      errorMessage: (error as Error).message,
    });
  }
  return { approvalId, expiresAt };
};

export const createRequestApprovalHandler = (runtime: () => Runtime) =>
  // logEvent stays off whatever the environment says: the input carries the task token.
  middy(async (event: unknown): Promise<RequestApprovalResult> => requestApproval(runtime(), parseInput(event))).use(
    injectLambdaContext(logger, { clearState: true, logEvent: false }),
  );

export const handler = createRequestApprovalHandler(awsRuntime);
