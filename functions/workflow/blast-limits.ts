import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../approval/approval-link';
import { documentClient, isConditionFailure } from '../platform/dynamo';
import type { Runtime } from '../platform/runtime';

/**
 * Blast limits: caps on changes made without a person's decision, per account and across the organization, in
 * fixed windows (config blastLimits). Each automatic run takes a slot in both counters before it may change
 * anything; the counters live in the lock table (hubfix's coordination table) with a TTL. A slot is keyed by the
 * run, so a retried Assess takes the same slot again instead of a second one.
 */

export type Slot = { granted: true } | { granted: false; reason: string };

const counterKey = (scope: string, windowStart: number): string => `blast|${scope}|${windowStart}`;

/** Adds the run to the counter unless the window is full; true when the run holds a slot. */
const take = async (rt: Runtime, lockId: string, run: string, cap: number, expiresAt: number): Promise<boolean> => {
  try {
    await documentClient(rt).send(
      new UpdateCommand({
        TableName: rt.settings.lockTableName,
        Key: { lockId },
        UpdateExpression: 'ADD runs :run SET expiresAt = :expires, #ttl = :expires',
        ConditionExpression: 'attribute_not_exists(runs) OR size(runs) < :cap OR contains(runs, :name)',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':run': new Set([run]), ':name': run, ':cap': cap, ':expires': expiresAt },
      }),
    );
    return true;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return false;
  }
};

/** Takes a slot for `run` in the account's and the overall window, or says which cap is reached. */
export const takeAutomaticSlot = async (rt: Runtime, accountId: string, run: string): Promise<Slot> => {
  const { windowMinutes, perAccount, overall } = rt.config.blastLimits;
  const windowSeconds = windowMinutes * 60;
  const now = epochSeconds(rt.now());
  const windowStart = now - (now % windowSeconds);
  const expiresAt = windowStart + windowSeconds + 3600;
  const held = (count: number, scope: string): Slot => ({
    granted: false,
    reason:
      `held: automatic remediation paused after ${count} changes in ${windowMinutes} minutes (${scope}; blastLimits in the ` +
      `hubfix configuration); nothing was changed`,
  });
  // Account first: a full account must not use up the organization's slots.
  if (perAccount === 0 || !(await take(rt, counterKey(`account|${accountId}`, windowStart), run, perAccount, expiresAt))) {
    return held(perAccount, `cap for account ${accountId}`);
  }
  if (overall === 0 || !(await take(rt, counterKey('overall', windowStart), run, overall, expiresAt))) {
    return held(overall, 'cap across all accounts');
  }
  return { granted: true };
};
