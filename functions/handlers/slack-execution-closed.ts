import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { closeSlackApproval, type ClosedInSlack } from '../approval/slack/execution-closed';
import { logger } from '../platform/logger';
import { awsRuntime, type Runtime } from '../platform/runtime';

/**
 * EventBridge's "Step Functions Execution Status Change" for the remediation state machine, once a run has ended:
 * functions/approval/slack/execution-closed.ts closes the run's undecided Slack message (timed out, stopped, failed).
 */

const eventSchema = z.looseObject({
  detail: z.looseObject({
    executionArn: z.string().min(1),
    status: z.enum(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']),
  }),
});

export const createSlackExecutionClosedHandler = (runtime: () => Runtime) =>
  middy(async (event: unknown): Promise<ClosedInSlack | 'ignored'> => {
    const parsed = eventSchema.safeParse(event);
    if (!parsed.success) {
      logger.warn('Not an execution status change of an ended run', { issues: parsed.error.issues.length });
      return 'ignored';
    }
    return closeSlackApproval(runtime(), parsed.data.detail.executionArn, parsed.data.detail.status);
  }).use(injectLambdaContext(logger, { clearState: true, logEvent: false }));

export const handler = createSlackExecutionClosedHandler(awsRuntime);
