import { logger } from '../../platform/logger';
import type { Runtime } from '../../platform/runtime';
import { epochSeconds } from '../approval-link';
import { getApproval } from '../approval-store';
import type { ClosedReason } from './approval-message';
import { showClosedInSlack } from './outcome';
import { approvalOfExecution } from './slack-message-store';

/**
 * A run ended (Step Functions' execution status change): if it had posted an approval to Slack that nobody decided,
 * the message says why it closed and loses its buttons. A decided approval's message was updated by the vote that
 * decided it (castVote), so it is left as it is.
 */

export type ExecutionEndStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export type ClosedInSlack = 'no-slack-message' | 'decided' | ClosedReason;

/** A stop is a stop; an approval past its expiry ran out of time (the wait's timeout); anything else ended the run. */
const reasonFor = (status: ExecutionEndStatus, expired: boolean): ClosedReason =>
  status === 'ABORTED' ? 'stopped' : expired ? 'expired' : 'failed';

export const closeSlackApproval = async (rt: Runtime, executionId: string, status: ExecutionEndStatus): Promise<ClosedInSlack> => {
  const approvalId = await approvalOfExecution(rt, executionId);
  const record = approvalId === undefined ? undefined : await getApproval(rt, approvalId);
  if (!record) return 'no-slack-message';
  if (record.status !== 'PENDING') return 'decided';
  const reason = reasonFor(status, record.expiresAt <= epochSeconds(rt.now()));
  const shown = await showClosedInSlack(rt, record, reason);
  logger.info('Run ended without a decision', { approvalId: record.approvalId, status, reason, slackUpdated: shown });
  return reason;
};
