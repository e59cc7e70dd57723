import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { documentClient } from '../../platform/dynamo';
import { ConfigurationError } from '../../platform/errors';
import type { Runtime } from '../../platform/runtime';
import type { ApprovalRecord } from '../approval-store';

/**
 * Where an approval's Slack message is (channel and ts), kept on the approval record itself: hubfix updates that
 * message, never one a request names. The Slack channel's own table finds the approval of an execution, for when the
 * run stops waiting without a vote (a timeout, a stop): Step Functions then names the execution, not the approval.
 */

export interface SlackMessageRef {
  channel: string;
  ts: string;
}

const SLACK_MESSAGE_ATTRIBUTE = 'slackMessage';
const refSchema = z.object({ channel: z.string().min(1), ts: z.string().regex(/^\d+\.\d+$/) });

export const recordSlackMessage = async (rt: Runtime, approvalId: string, ref: SlackMessageRef): Promise<void> => {
  await documentClient(rt).send(
    new UpdateCommand({
      TableName: rt.settings.approvalTableName,
      Key: { approvalId },
      UpdateExpression: 'SET #slack = :ref',
      ConditionExpression: 'attribute_exists(approvalId)',
      ExpressionAttributeNames: { '#slack': SLACK_MESSAGE_ATTRIBUTE },
      ExpressionAttributeValues: { ':ref': ref },
    }),
  );
};

/** The approval's Slack message, if one was posted (the record reader keeps fields it does not know). */
export const slackMessageOf = (record: ApprovalRecord): SlackMessageRef | undefined => {
  const parsed = refSchema.safeParse((record as unknown as Record<string, unknown>)[SLACK_MESSAGE_ATTRIBUTE]);
  return parsed.success ? parsed.data : undefined;
};

export const SLACK_MESSAGE_TTL_ATTRIBUTE = 'ttl';

export const slackMessageTableDefinition = (tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  AttributeDefinitions: [{ AttributeName: 'executionId', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'executionId', KeyType: 'HASH' }],
  BillingMode: 'PAY_PER_REQUEST',
});

const messageTable = (rt: Runtime): string => {
  const name = rt.settings.slackMessageTableName;
  if (!name) throw new ConfigurationError('The Slack message table is not configured (SLACK_MESSAGE_TABLE_NAME)');
  return name;
};

/** Remembers which approval an execution posted to Slack, as long as the approval record itself is kept. */
export const recordExecutionApproval = async (rt: Runtime, record: ApprovalRecord): Promise<void> => {
  await documentClient(rt).send(
    new PutCommand({
      TableName: messageTable(rt),
      Item: { executionId: record.executionId, approvalId: record.approvalId, [SLACK_MESSAGE_TTL_ATTRIBUTE]: record.ttl },
    }),
  );
};

/** The approval an execution posted to Slack, if it posted one. */
export const approvalOfExecution = async (rt: Runtime, executionId: string): Promise<string | undefined> => {
  const result = await documentClient(rt).send(new GetCommand({ TableName: messageTable(rt), Key: { executionId } }));
  const approvalId = result.Item?.approvalId;
  return typeof approvalId === 'string' ? approvalId : undefined;
};
