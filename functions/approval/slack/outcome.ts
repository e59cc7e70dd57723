import { logger } from '../../platform/logger';
import type { Runtime } from '../../platform/runtime';
import type { ApprovalDecision } from '../../findings/types';
import type { ApprovalRecord, Vote } from '../approval-store';
import { closedBlocks, decidedBlocks, partialBlocks, type ClosedReason } from './approval-message';
import { slackConfigOf, slackWebClient } from './slack-client';
import { slackMessageOf } from './slack-message-store';

/**
 * The approval's Slack message follows the approval whatever moved it: a vote on the page or in Slack (castVote), a
 * quorum completed on the other channel, the wait timing out, the run stopped (execution-closed.ts). Best effort: the
 * vote or the outcome stands whether Slack answers or not, so nothing here throws.
 */

export interface VoteShown {
  vote: Vote;
  approvals: number;
  needed: number;
  /** Present when this vote decided: the votes that decided it. */
  decision?: ApprovalDecision;
  workflowStopped?: boolean;
}

const updateMessage = async (rt: Runtime, record: ApprovalRecord, text: string, blocks: ReturnType<typeof closedBlocks>) => {
  const message = slackMessageOf(record);
  if (!rt.config.slack || !message) return false;
  try {
    const client = await slackWebClient(rt, slackConfigOf(rt));
    await client.chat.update({ channel: message.channel, ts: message.ts, text, blocks, parse: 'none', link_names: false });
    return true;
  } catch (error) {
    // Name only: a Slack SDK error can quote the request. The message is stale, the approval is not.
    logger.warn('Could not update the Slack message', { approvalId: record.approvalId, errorName: (error as Error).name });
    return false;
  }
};

/** After a recorded vote (either channel): the count so far with the buttons, or the decision and who made it. */
export const showVoteInSlack = (rt: Runtime, record: ApprovalRecord, shown: VoteShown): Promise<boolean> => {
  const { decision } = shown;
  if (!decision) {
    const text = `hubfix: ${shown.approvals} of ${shown.needed} approvals`;
    return updateMessage(rt, record, text, partialBlocks(record, shown.approvals, shown.needed, shown.vote));
  }
  const voters = decision.votes && decision.votes.length > 0 ? decision.votes : [shown.vote];
  const blocks = decidedBlocks(record, decision.decision, voters, new Date(decision.decidedAt), shown.workflowStopped === true);
  return updateMessage(rt, record, `hubfix: ${decision.decision}`, blocks);
};

/** The run stopped waiting without a decision (timed out, stopped, failed): the message says so and loses its buttons. */
export const showClosedInSlack = (rt: Runtime, record: ApprovalRecord, reason: ClosedReason): Promise<boolean> =>
  updateMessage(
    rt,
    record,
    `hubfix: approval ${reason === 'expired' ? 'expired' : 'closed'} without a decision`,
    closedBlocks(record, reason, rt.now()),
  );
