import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { acceptSlackInteraction, SLACK_VOTE_QUEUE_ENV, type SignedClick } from '../approval/slack/interactions';
import { SLACK_REPLAY_TABLE_ENV } from '../approval/slack/replay-guard';
import { requireEnv } from '../platform/env';
import { logger } from '../platform/logger';
import { awsRuntime, type Runtime } from '../platform/runtime';

/**
 * POST /slack/interactions on the approval API: Slack's Interactivity Request URL. Thin: the raw body and the headers
 * as API Gateway passes them, to functions/approval/slack/interactions.ts; an accepted click goes to the vote queue
 * (handlers/slack-votes.ts) and Slack gets its answer without waiting for the vote.
 */

/** How an accepted click reaches the vote worker: the stack's queue, or the sandbox's direct call. */
export type HandOff = (rt: Runtime, click: SignedClick) => Promise<void>;

const toVoteQueue: HandOff = async (rt, click) => {
  await rt.clients
    .home(SQSClient)
    .send(new SendMessageCommand({ QueueUrl: requireEnv(SLACK_VOTE_QUEUE_ENV), MessageBody: JSON.stringify(click) }));
};

export const createSlackInteractionsHandler = (
  runtime: () => Runtime,
  replayTableName: () => string = () => requireEnv(SLACK_REPLAY_TABLE_ENV),
  handOff: HandOff = toVoteQueue,
) =>
  middy(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    if (event.httpMethod !== 'POST') {
      return { statusCode: 405, headers: { Allow: 'POST', 'content-type': 'text/plain' }, body: 'Slack interactions are POSTed.' };
    }
    try {
      const headers = Object.fromEntries(
        Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value ?? undefined]),
      );
      // The signature covers the bytes Slack sent: decode API Gateway's base64, never re-encode the form.
      const rawBody = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
      const rt = runtime();
      const { response, accepted } = await acceptSlackInteraction(rt, replayTableName(), { headers, rawBody });
      if (accepted) await handOff(rt, accepted);
      return response;
    } catch (error) {
      // Name only: a Slack SDK error can quote a request.
      logger.error('Slack interaction failed', { errorName: error instanceof Error ? error.name : 'UnknownError' });
      return {
        statusCode: 500,
        headers: { 'content-type': 'text/plain' },
        body: 'Something went wrong in hubfix. Check the approval before trying again.',
      };
    }
    // logEvent stays off whatever the environment says: the event carries the request signature.
  }).use(injectLambdaContext(logger, { clearState: true, logEvent: false }));

export const handler = createSlackInteractionsHandler(awsRuntime);
