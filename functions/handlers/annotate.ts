import type { Metrics } from '@aws-lambda-powertools/metrics';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { annotateFinding } from '../workflow/annotation';
import { buildAuditRecord, putAuditRecord } from '../audit/audit';
import { approvalTimeoutSeconds } from '../platform/config';
import { logger } from '../platform/logger';
import { releaseLock } from '../workflow/resource-lock';
import { describeOutcome } from '../workflow/outcome';
import { publishRemediationMetrics, remediationMetrics } from '../audit/remediation-metrics';
import { awsRuntime, type Runtime } from '../platform/runtime';
import { stepHandler } from '../workflow/step-handler';
import type { Outcome } from '../findings/types';
import type { AnnotatedState } from '../workflow/workflow-failure';

export interface AnnotateInput {
  /** The whole state; from executions started before the upgrade that named failed steps, version 1's shape. */
  workflow: AnnotatedState;
  executionId: string;
}

/** arn:aws:states:<region>:<account>:execution:<state machine>:<name> → <name> */
const executionNameOf = (executionArn: string): string => executionArn.slice(executionArn.lastIndexOf(':') + 1);

export interface AnnotateResult {
  outcome: Outcome;
  workflowStatus?: string;
  note: string;
}

/** Annotate: writes the outcome onto the finding in Security Hub. Every path of the workflow ends here. */
export const createAnnotateHandler = (runtime: () => Runtime, metrics: Metrics = remediationMetrics()) =>
  stepHandler(runtime, async (input: AnnotateInput, rt): Promise<AnnotateResult> => {
    const annotation = describeOutcome(input.workflow, input.executionId, approvalTimeoutSeconds(rt.config));
    // A run started for a finding Security Hub does not hold has nothing to annotate: the audit record tells it.
    if (input.workflow.assessment?.skip !== 'not-found')
      await annotateFinding(rt.clients.home(SecurityHubClient), input.workflow.finding, annotation);
    // The evidence is durable before the resource is free; a retried Annotate keeps the first record.
    const record = buildAuditRecord(input.workflow, input.executionId, annotation, rt.now());
    const firstRecord = await putAuditRecord(rt, record);
    // Every path ends here: the resource is free for the next run (a no-op for runs that took no lock).
    await releaseLock(rt, input.workflow.finding, executionNameOf(input.executionId));
    if (firstRecord) publishRemediationMetrics(metrics, record); // counted once per run, retries or not
    logger.info('Annotated', { outcome: annotation.outcome, workflowStatus: annotation.workflowStatus });
    return { outcome: annotation.outcome, workflowStatus: annotation.workflowStatus, note: annotation.note };
  });

export const handler = createAnnotateHandler(awsRuntime);
