import * as z from 'zod';
import { logger } from '../../platform/logger';
import type { Runtime } from '../../platform/runtime';
import { isApprovalId } from '../approval-link';
import { getApproval } from '../approval-store';
import { castVote, DecisionNotDeliveredError, type VoteResult } from '../vote';
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from './approval-message';
import { claimSignature } from './replay-guard';
import { verifySlackSignature } from './signature';
import { slackApproverIdentity } from './slack-identity';
import { slackSigningSecret, slackWebClient } from './slack-client';
import { slackMessageOf } from './slack-message-store';

/**
 * One Slack interaction request (a click on Approve or Reject), from the raw request to the vote: the signature over
 * the raw body and its timestamp first, then the replay record, then the payload, the workspace, the person, and the
 * same castVote the approval page uses (policy, quorum, separation of duties). Nothing of the request is logged but
 * the approval id, the Slack user id and the outcome: never the body, the signature or a secret.
 */

export interface SlackRequest {
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  /** The body exactly as received: the signature covers these bytes. */
  rawBody: string;
}

export interface SlackResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** A block_actions payload carries the whole message (up to 50 blocks): far below this. */
export const MAX_SLACK_BODY_BYTES = 64 * 1024;

const respond = (statusCode: number, body: string): SlackResponse => ({
  statusCode,
  headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  body,
});

/** The fields of Slack's block_actions payload hubfix reads; Slack sends many more. */
const payloadSchema = z.looseObject({
  type: z.literal('block_actions'),
  team: z.looseObject({ id: z.string().min(1) }),
  user: z.looseObject({ id: z.string().regex(/^[UW][A-Z0-9]{2,20}$/) }),
  channel: z.looseObject({ id: z.string().min(1) }).optional(),
  actions: z.array(z.looseObject({ action_id: z.string(), value: z.string().optional() })).length(1, 'one action per click'),
});

type Payload = z.infer<typeof payloadSchema>;

const parsePayload = (rawBody: string): Payload | undefined => {
  const form = new URLSearchParams(rawBody);
  const values = form.getAll('payload');
  if (values.length !== 1) return undefined;
  try {
    const parsed = payloadSchema.safeParse(JSON.parse(values[0]));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
};

const DECISIONS: Readonly<Record<string, 'approve' | 'reject'>> = { [APPROVE_ACTION_ID]: 'approve', [REJECT_ACTION_ID]: 'reject' };

export const handleSlackInteraction = async (rt: Runtime, replayTableName: string, request: SlackRequest): Promise<SlackResponse> => {
  const slack = rt.config.slack;
  if (!slack) return respond(404, 'Slack is not configured for this hubfix.');
  if (Buffer.byteLength(request.rawBody, 'utf8') > MAX_SLACK_BODY_BYTES) return respond(413, 'Request too large.');

  const signature = request.headers['x-slack-signature'];
  const check = verifySlackSignature(
    await slackSigningSecret(rt, slack),
    request.headers['x-slack-request-timestamp'],
    signature,
    request.rawBody,
    rt.now(),
  );
  if (!check.ok) {
    logger.warn('Slack request refused', { reason: `signature ${check.reason}` });
    return respond(401, check.reason === 'stale' ? 'Request timestamp outside the 5-minute window.' : 'Invalid Slack signature.');
  }
  if (!(await claimSignature(rt, replayTableName, signature ?? '', check.timestamp))) {
    logger.warn('Slack request refused', { reason: 'replay' });
    return respond(401, 'This request was already received: replays are refused.');
  }

  const payload = parsePayload(request.rawBody);
  if (!payload) return respond(400, 'Not a hubfix approval action.');
  if (payload.team.id !== slack.teamId) {
    logger.warn('Slack request refused', { reason: 'another workspace', slackUser: payload.user.id });
    return respond(403, 'This Slack workspace is not the one hubfix is configured for.');
  }
  const [action] = payload.actions;
  const decision = DECISIONS[action.action_id];
  const approvalId = action.value;
  if (!decision || approvalId === undefined || !isApprovalId(approvalId)) return respond(400, 'Not a hubfix approval action.');

  const slackUser = payload.user.id;
  const client = await slackWebClient(rt, slack);
  const tell = async (text: string): Promise<void> => {
    const channel = payload.channel?.id;
    if (!channel) return;
    try {
      await client.chat.postEphemeral({ channel, user: slackUser, text, parse: 'none', link_names: false });
    } catch (error) {
      logger.warn('Could not answer in Slack', { approvalId, errorName: (error as Error).name });
    }
  };

  // Only an approval hubfix posted to Slack is decided from Slack: its message is the one updated with the outcome.
  const record = await getApproval(rt, approvalId);
  const message = record && slackMessageOf(record);
  if (!record || !message) {
    logger.info('Slack vote refused', { approvalId, slackUser, reason: 'not offered in Slack' });
    await tell('hubfix did not record your vote: this approval was not offered in Slack.');
    return respond(200, 'Refused: this approval was not offered in Slack.');
  }

  const mapped = await slackApproverIdentity(slack, client, slackUser);
  if (!mapped.ok) {
    logger.info('Slack vote refused', { approvalId, slackUser, reason: 'unmapped user' });
    await tell(`hubfix did not record your vote: ${mapped.reason}`);
    return respond(200, `Refused: ${mapped.reason}`);
  }

  let result: VoteResult;
  try {
    result = await castVote(rt, approvalId, mapped.identity, decision, decision === 'approve' ? 'Approved in Slack' : 'Rejected in Slack');
  } catch (error) {
    if (!(error instanceof DecisionNotDeliveredError)) throw error;
    await tell('The workflow could not be reached, so nothing was decided. Please try again in a minute.');
    return respond(200, 'Not decided: the workflow could not be reached. Try again in a minute.');
  }
  if (result.status === 'refused') {
    logger.info('Slack vote refused', { approvalId, slackUser, reason: result.reason });
    await tell(`hubfix did not record your vote: ${result.reason}`);
    return respond(200, `Refused: ${result.reason}`);
  }
  logger.info('Slack vote recorded', { approvalId, slackUser, decision, decided: result.decided ?? 'pending' });

  // castVote has updated the message (count or outcome): the same update a vote on the page makes.
  const outcome = !result.decided
    ? `${result.approvals} of ${result.needed} approvals so far.`
    : result.workflowStopped
      ? `The request is ${result.decided}, but the workflow had already stopped waiting: nothing was changed.`
      : `The request is ${result.decided}.`;
  if (!result.decided || result.workflowStopped)
    await tell(`hubfix recorded your ${decision === 'approve' ? 'approval' : 'rejection'}. ${outcome}`);
  return respond(200, `Recorded. ${outcome}`);
};
