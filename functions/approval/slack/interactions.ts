import * as z from 'zod';
import { logger } from '../../platform/logger';
import type { SlackConfig } from '../../platform/config';
import type { Runtime } from '../../platform/runtime';
import { isApprovalId } from '../approval-link';
import { getApproval } from '../approval-store';
import { castVote, DecisionNotDeliveredError, type VoteResult } from '../vote';
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from './approval-message';
import { claimSignature } from './replay-guard';
import { verifySlackSignature } from './signature';
import { slackApproverIdentity } from './slack-identity';
import { slackConfigOf, slackSigningSecret, slackWebClient } from './slack-client';
import { slackMessageOf } from './slack-message-store';

/**
 * One Slack interaction request (a click on Approve or Reject), from the raw request to the vote, in two parts so Slack
 * has its answer within its 3 seconds: acceptSlackInteraction checks the signature over the raw body and its timestamp,
 * the replay record, the payload and the workspace, and answers; decideSlackClick then maps the person and casts the
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

/** The environment variable naming the queue of accepted clicks (the interactions function sends to it). */
export const SLACK_VOTE_QUEUE_ENV = 'SLACK_VOTE_QUEUE_URL';

/** A click Slack signed, exactly as received: what the acknowledgement hands to the vote worker. */
export interface SignedClick {
  timestamp: string;
  signature: string;
  rawBody: string;
  /** ISO 8601: when the acknowledgement checked the timestamp window. */
  receivedAt: string;
}

export const signedClickSchema = z.object({
  timestamp: z.string(),
  signature: z.string(),
  rawBody: z.string().max(MAX_SLACK_BODY_BYTES),
  receivedAt: z.iso.datetime(),
});

interface Click {
  decision: 'approve' | 'reject';
  approvalId: string;
  slackUser: string;
  channelId?: string;
}

/** The click in a signed body: a hubfix button of the configured workspace, or the answer that refuses it. */
const readClick = (slack: SlackConfig, rawBody: string): Click | SlackResponse => {
  const payload = parsePayload(rawBody);
  if (!payload) return respond(400, 'Not a hubfix approval action.');
  if (payload.team.id !== slack.teamId) {
    logger.warn('Slack request refused', { reason: 'another workspace', slackUser: payload.user.id });
    return respond(403, 'This Slack workspace is not the one hubfix is configured for.');
  }
  const [action] = payload.actions;
  const decision = DECISIONS[action.action_id];
  const approvalId = action.value;
  if (!decision || approvalId === undefined || !isApprovalId(approvalId)) return respond(400, 'Not a hubfix approval action.');
  return { decision, approvalId, slackUser: payload.user.id, channelId: payload.channel?.id };
};

export interface Acceptance {
  response: SlackResponse;
  /** Present when the click is Slack's, new and a hubfix button: the vote is decided after the answer. */
  accepted?: SignedClick;
}

/**
 * Slack's side of the 3-second budget: only what needs no Slack call and no vote (the signature over the raw body and
 * its timestamp, the replay record, the payload, the workspace) happens before the answer. An accepted click is then
 * handed to the vote worker (decideSlackClick), which answers the person in Slack itself.
 */
export const acceptSlackInteraction = async (rt: Runtime, replayTableName: string, request: SlackRequest): Promise<Acceptance> => {
  const slack = rt.config.slack;
  if (!slack) return { response: respond(404, 'Slack is not configured for this hubfix.') };
  if (Buffer.byteLength(request.rawBody, 'utf8') > MAX_SLACK_BODY_BYTES) return { response: respond(413, 'Request too large.') };

  const timestamp = request.headers['x-slack-request-timestamp'];
  const signature = request.headers['x-slack-signature'];
  const now = rt.now();
  const check = verifySlackSignature(await slackSigningSecret(rt, slack), timestamp, signature, request.rawBody, now);
  if (!check.ok) {
    logger.warn('Slack request refused', { reason: `signature ${check.reason}` });
    const text = check.reason === 'stale' ? 'Request timestamp outside the 5-minute window.' : 'Invalid Slack signature.';
    return { response: respond(401, text) };
  }
  if (!(await claimSignature(rt, replayTableName, signature ?? '', check.timestamp))) {
    logger.warn('Slack request refused', { reason: 'replay' });
    return { response: respond(401, 'This request was already received: replays are refused.') };
  }
  const click = readClick(slack, request.rawBody);
  if ('statusCode' in click) return { response: click };
  logger.info('Slack click accepted', { approvalId: click.approvalId, slackUser: click.slackUser, decision: click.decision });
  // Slack shows nothing for an empty 200; the worker answers the person (ephemeral) and updates the message.
  return {
    response: respond(200, ''),
    accepted: { timestamp: timestamp ?? '', signature: signature ?? '', rawBody: request.rawBody, receivedAt: now.toISOString() },
  };
};

/**
 * The vote of an accepted click, after Slack has had its answer: the signature checked again (the hand-off is trusted
 * for nothing Slack did not sign; the window is the acknowledgement's), the approval offered in Slack, the person,
 * castVote (which updates the message), and the person told in Slack what became of their click. Returns that text.
 */
export const decideSlackClick = async (rt: Runtime, signed: SignedClick): Promise<string> => {
  const slack = slackConfigOf(rt);
  const check = verifySlackSignature(
    await slackSigningSecret(rt, slack),
    signed.timestamp,
    signed.signature,
    signed.rawBody,
    new Date(signed.receivedAt),
  );
  if (!check.ok) {
    logger.warn('Slack vote refused', { reason: `signature ${check.reason}` });
    return 'Refused: invalid Slack signature.';
  }
  const click = readClick(slack, signed.rawBody);
  if ('statusCode' in click) return `Refused: ${click.body}`;
  const { approvalId, slackUser, decision } = click;
  const client = await slackWebClient(rt, slack);
  const tell = async (text: string): Promise<string> => {
    if (click.channelId) {
      try {
        await client.chat.postEphemeral({ channel: click.channelId, user: slackUser, text, parse: 'none', link_names: false });
      } catch (error) {
        logger.warn('Could not answer in Slack', { approvalId, errorName: (error as Error).name });
      }
    }
    return text;
  };

  // Only an approval hubfix posted to Slack is decided from Slack: its message is the one updated with the outcome.
  const record = await getApproval(rt, approvalId);
  if (!record || !slackMessageOf(record)) {
    logger.info('Slack vote refused', { approvalId, slackUser, reason: 'not offered in Slack' });
    return tell('hubfix did not record your vote: this approval was not offered in Slack.');
  }

  const mapped = await slackApproverIdentity(slack, client, slackUser);
  if (!mapped.ok) {
    logger.info('Slack vote refused', { approvalId, slackUser, reason: 'unmapped user' });
    return tell(`hubfix did not record your vote: ${mapped.reason}`);
  }

  let result: VoteResult;
  try {
    result = await castVote(rt, approvalId, mapped.identity, decision, decision === 'approve' ? 'Approved in Slack' : 'Rejected in Slack');
  } catch (error) {
    if (!(error instanceof DecisionNotDeliveredError)) throw error;
    return tell('The workflow could not be reached, so nothing was decided. Please try again in a minute.');
  }
  if (result.status === 'refused') {
    logger.info('Slack vote refused', { approvalId, slackUser, reason: result.reason });
    return tell(`hubfix did not record your vote: ${result.reason}`);
  }
  logger.info('Slack vote recorded', { approvalId, slackUser, decision, decided: result.decided ?? 'pending' });
  // castVote has updated the message (count or outcome): the same update a vote on the page makes.
  const outcome = !result.decided
    ? `${result.approvals} of ${result.needed} approvals so far.`
    : result.workflowStopped
      ? `The request is ${result.decided}, but the workflow had already stopped waiting: nothing was changed.`
      : `The request is ${result.decided}.`;
  const text = `hubfix recorded your ${decision === 'approve' ? 'approval' : 'rejection'}. ${outcome}`;
  // A decision shows in the message itself; a count or a vote too late is told to the person.
  return !result.decided || result.workflowStopped ? tell(text) : text;
};
