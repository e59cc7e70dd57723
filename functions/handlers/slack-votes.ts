import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { decideSlackClick, signedClickSchema } from '../approval/slack/interactions';
import { logger } from '../platform/logger';
import { awsRuntime, type Runtime } from '../platform/runtime';

/**
 * The vote queue's worker: each message is one click Slack signed and the interactions route accepted;
 * functions/approval/slack/interactions.ts decides it. A message that fails is retried by SQS (castVote counts a
 * person once, so a retry never votes twice) and then goes to the queue's dead-letter queue.
 */

export const createSlackVotesHandler = (runtime: () => Runtime) =>
  middy(async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      let body: unknown;
      try {
        body = JSON.parse(record.body);
      } catch {
        body = undefined;
      }
      const click = signedClickSchema.safeParse(body);
      if (!click.success) {
        // Nothing to retry: a message no acknowledgement wrote.
        logger.warn('Not a Slack click', { messageId: record.messageId });
        continue;
      }
      try {
        await decideSlackClick(runtime(), click.data);
      } catch (error) {
        logger.error('Slack vote failed', { messageId: record.messageId, errorName: error instanceof Error ? error.name : 'UnknownError' });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
    // logEvent stays off whatever the environment says: each message carries a signed Slack request.
  }).use(injectLambdaContext(logger, { clearState: true, logEvent: false }));

export const handler = createSlackVotesHandler(awsRuntime);
