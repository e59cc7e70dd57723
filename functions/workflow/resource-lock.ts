import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../approval/approval-link';
import { approvalTimeoutSeconds } from '../platform/config';
import { documentClient, isConditionFailure } from '../platform/dynamo';
import type { Runtime } from '../platform/runtime';
import type { FindingRef } from '../findings/types';

/**
 * One run changes one resource at a time. Intake takes the resource's lock before it starts an execution;
 * Annotate, the last step of every path, gives it back. A lock outlives a crashed run only until it
 * expires (the longest a run can wait for approval, plus an hour).
 */

export interface LockHolder {
  executionName: string;
  findingId: string;
}

export type LockResult = { acquired: true } | { acquired: false; heldBy: LockHolder };

const SLACK_SECONDS = 3600;

export const lockTableDefinition = (tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  AttributeDefinitions: [{ AttributeName: 'lockId', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'lockId', KeyType: 'HASH' }],
  BillingMode: 'PAY_PER_REQUEST',
});

/** The same resource in the same account and region, whichever finding names it. */
export const lockIdOf = (finding: FindingRef): string => `${finding.accountId}|${finding.resource.region}|${finding.resource.canonicalId}`;

/** Takes the lock for this execution; taking it again for the same execution (a redelivered message) succeeds. */
export const acquireLock = async (rt: Runtime, finding: FindingRef, executionName: string): Promise<LockResult> => {
  const doc = documentClient(rt);
  const now = epochSeconds(rt.now());
  const expiresAt = now + approvalTimeoutSeconds(rt.config) + SLACK_SECONDS;
  const lockId = lockIdOf(finding);
  try {
    await doc.send(
      new PutCommand({
        TableName: rt.settings.lockTableName,
        Item: { lockId, executionName, findingId: finding.id, expiresAt, ttl: expiresAt },
        ConditionExpression: 'attribute_not_exists(lockId) OR expiresAt < :now OR executionName = :name',
        ExpressionAttributeValues: { ':now': now, ':name': executionName },
      }),
    );
    return { acquired: true };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const held = await doc.send(new GetCommand({ TableName: rt.settings.lockTableName, Key: { lockId }, ConsistentRead: true }));
    const item = held.Item as LockHolder | undefined;
    // Released between the two calls: try once more rather than report a holder that is gone.
    if (!item) return acquireLock(rt, finding, executionName);
    return { acquired: false, heldBy: { executionName: item.executionName, findingId: item.findingId } };
  }
};

/** Gives the lock back, only if this execution holds it. */
export const releaseLock = async (rt: Runtime, finding: FindingRef, executionName: string): Promise<void> => {
  try {
    await documentClient(rt).send(
      new DeleteCommand({
        TableName: rt.settings.lockTableName,
        Key: { lockId: lockIdOf(finding) },
        ConditionExpression: 'executionName = :name',
        ExpressionAttributeValues: { ':name': executionName },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error; // not ours (plan-only run, or expired and taken): nothing to give back
  }
};
