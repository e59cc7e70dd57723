import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { documentClient } from '../../platform/dynamo';
import type { Runtime } from '../../platform/runtime';
import type { ApprovalRecord } from '../approval-store';

/**
 * Where an approval's Slack message is (channel and ts), kept on the approval record itself: the interaction handler
 * updates that message, never one a request names.
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
