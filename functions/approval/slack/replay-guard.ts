import { createHash } from 'node:crypto';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, isConditionFailure } from '../../platform/dynamo';
import type { Runtime } from '../../platform/runtime';
import { TIMESTAMP_TOLERANCE_SECONDS } from './signature';

/**
 * Slack interaction requests already accepted, so the same signed request sent again (captured on the way, or resent
 * by a proxy) is refused inside the five-minute window the signature check leaves open. The table holds a hash of
 * each signature, never the signature or the body.
 */

/** The environment variable naming the table in the interactions function. */
export const SLACK_REPLAY_TABLE_ENV = 'SLACK_REPLAY_TABLE_NAME';
export const SLACK_REPLAY_TTL_ATTRIBUTE = 'ttl';
/** Kept past the end of the timestamp window, so a record never expires while its request could still be accepted. */
const KEEP_AFTER_WINDOW_SECONDS = 5 * 60;

export const slackReplayTableDefinition = (tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  AttributeDefinitions: [{ AttributeName: 'signatureHash', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'signatureHash', KeyType: 'HASH' }],
  BillingMode: 'PAY_PER_REQUEST',
});

/** Records a verified request's signature; false when it was seen before (a replay). One conditional put decides races. */
export const claimSignature = async (rt: Runtime, tableName: string, signature: string, timestamp: number): Promise<boolean> => {
  const signatureHash = createHash('sha256').update(signature).digest('hex');
  try {
    await documentClient(rt).send(
      new PutCommand({
        TableName: tableName,
        Item: { signatureHash, [SLACK_REPLAY_TTL_ATTRIBUTE]: timestamp + TIMESTAMP_TOLERANCE_SECONDS + KEEP_AFTER_WINDOW_SECONDS },
        ConditionExpression: 'attribute_not_exists(signatureHash)',
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
};
