import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { HubfixError } from '../platform/errors';
import { logger } from '../platform/logger';
import type { Runtime } from '../platform/runtime';
import type { ApprovalDecision } from '../findings/types';
import { epochSeconds } from './approval-link';
import { approvalRequirement, displayName, refusalFor } from './approval-policy';
import { getApproval, recordVote, reopenApproval, type ApprovalRecord, type VerifiedPerson, type Vote } from './approval-store';
import type { VoteShown } from './slack/outcome';

/**
 * One person's vote on one approval, whichever channel carried it (the signed-in page, Slack). The policy is read
 * from the configuration at this moment; the vote is written with the verified identity in one conditional write;
 * the vote that reaches the quorum, or the first rejection, decides and hands the decision to Step Functions.
 */

/** The voter as their identity provider verified them. The channel only says where the vote came from. */
export type ApproverIdentity = VerifiedPerson;

export type VoteResult =
  | {
      status: 'recorded';
      decided?: 'approved' | 'rejected';
      approvals: number;
      needed: number;
      /** Set when the decision was recorded but the workflow had already stopped waiting (timed out or stopped). */
      workflowStopped?: true;
    }
  | { status: 'refused'; reason: string };

/** The decision could not be handed to Step Functions (a transient error); the vote was undone, nothing was decided. */
export class DecisionNotDeliveredError extends HubfixError {}

const MAX_REASON_CHARACTERS = 500;
/** A write that lost a race re-reads and re-checks; more losses than this in a row means something else is wrong. */
const MAX_ATTEMPTS = 5;
/** Step Functions no longer waits for this token: the decision cannot be delivered. */
const TASK_GONE_ERRORS = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

const refused = (reason: string): VoteResult => ({ status: 'refused', reason });

/** The decided approval's story: every approver who counted, and their reasons. */
const decisionOf = (record: ApprovalRecord, deciding: Vote): ApprovalDecision => {
  const votes = deciding.decision === 'reject' ? [deciding] : record.votes.filter((vote) => vote.decision === 'approve');
  const reasons = votes.filter((vote) => vote.reason !== '');
  return {
    decision: deciding.decision === 'reject' ? 'rejected' : 'approved',
    approver: votes.map(displayName).join(' and '),
    reason: votes.length === 1 ? deciding.reason : reasons.map((vote) => `${displayName(vote)}: ${vote.reason}`).join('; '),
    decidedAt: deciding.at,
    votes,
  };
};

const deliver = async (rt: Runtime, record: ApprovalRecord, decision: ApprovalDecision): Promise<'delivered' | 'workflow-stopped'> => {
  try {
    // A rejection is a successful answer too: the state machine's Decision state routes it.
    await rt.clients.home(SFNClient).send(new SendTaskSuccessCommand({ taskToken: record.taskToken, output: JSON.stringify(decision) }));
    return 'delivered';
  } catch (error) {
    // Log the error's name only: Step Functions error messages can quote the task token.
    const errorName = error instanceof Error ? error.name : 'UnknownError';
    if (TASK_GONE_ERRORS.has(errorName)) {
      logger.warn('Workflow no longer waits for this approval', { approvalId: record.approvalId, errorName });
      return 'workflow-stopped';
    }
    logger.error('Could not deliver the decision to Step Functions; vote undone', { approvalId: record.approvalId, errorName });
    await reopenApproval(rt, record);
    throw new DecisionNotDeliveredError('The workflow could not be reached; nothing was decided');
  }
};

/**
 * The approval's Slack message, when it has one, shows every recorded vote whichever channel carried it: a decision on
 * the page, or a quorum completed there, closes the message in Slack too. Loaded only when Slack is configured.
 */
const showInSlack = async (rt: Runtime, record: ApprovalRecord, shown: VoteShown): Promise<void> => {
  if (!rt.config.slack) return;
  try {
    const { showVoteInSlack } = await import('./slack/outcome');
    await showVoteInSlack(rt, record, shown);
  } catch (error) {
    logger.warn('Could not show the vote in Slack', { approvalId: record.approvalId, errorName: (error as Error).name });
  }
};

export const castVote = async (
  rt: Runtime,
  approvalId: string,
  voter: ApproverIdentity,
  decision: 'approve' | 'reject',
  reason: string,
): Promise<VoteResult> => {
  const why = reason.trim();
  if (why.length > MAX_REASON_CHARACTERS) return refused(`The reason must be at most ${MAX_REASON_CHARACTERS} characters.`);
  if (decision === 'reject' && why === '') return refused('A reason is required to reject.');
  const voterLog = { approvalId, issuer: voter.issuer, subject: voter.subject, channel: voter.channel, decision };

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const now = rt.now();
    const record = await getApproval(rt, approvalId);
    if (!record) return refused('No such approval request.');
    if (record.status !== 'PENDING') return refused('This request was already decided.');
    if (record.expiresAt <= epochSeconds(now)) return refused('This request has expired.');

    const requirement = approvalRequirement(rt.config, record);
    const refusal = refusalFor(requirement, record, voter, decision);
    if (refusal) {
      logger.warn('Vote refused by the approval policy', { ...voterLog, refusal });
      return refused(refusal);
    }

    const approvals = record.votes.filter((vote) => vote.decision === 'approve').length + (decision === 'approve' ? 1 : 0);
    const needed = requirement.quorum;
    const vote: Vote = { ...voter, groups: [...voter.groups], decision, reason: why, at: now.toISOString() };
    const decides = decision === 'reject' || approvals >= needed;
    const decided = decides ? decisionOf({ ...record, votes: [...record.votes, vote] }, vote) : undefined;
    const written = await recordVote(rt, approvalId, {
      vote,
      votesBefore: record.votes.length,
      decides: decided && {
        status: decided.decision === 'approved' ? 'APPROVED' : 'REJECTED',
        approver: decided.approver,
        reason: decided.reason,
      },
      now,
    });
    if (!written.ok) {
      if (written.reason === 'not-found') return refused('No such approval request.');
      continue; // another vote or a decision landed in between: read again and re-check
    }
    if (!decided) {
      logger.info('Vote recorded', { ...voterLog, approvals, needed });
      await showInSlack(rt, written.record, { vote, approvals, needed });
      return { status: 'recorded', approvals, needed };
    }
    const delivered = await deliver(rt, written.record, decided);
    logger.info('Approval decided', { ...voterLog, approvals, needed, executionId: record.executionId });
    const workflowStopped = delivered === 'workflow-stopped';
    await showInSlack(rt, written.record, { vote, approvals, needed, decision: decided, workflowStopped });
    return {
      status: 'recorded',
      decided: decided.decision,
      approvals,
      needed,
      ...(workflowStopped ? { workflowStopped: true as const } : {}),
    };
  }
  return refused('The request changed while you voted. Please try again.');
};
