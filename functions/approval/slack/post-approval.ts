import type { Runtime } from '../../platform/runtime';
import type { ApprovalRecord } from '../approval-store';
import { approvalFallbackText, approvalRequestBlocks } from './approval-message';
import { slackConfigOf, slackWebClient } from './slack-client';
import { recordExecutionApproval, recordSlackMessage, type SlackMessageRef } from './slack-message-store';

/** Posts the approval's interactive message to the configured channel, keeps its ts with the approval, and the approval by execution. */
export const postSlackApproval = async (rt: Runtime, record: ApprovalRecord): Promise<SlackMessageRef> => {
  const slack = slackConfigOf(rt);
  const client = await slackWebClient(rt, slack);
  const posted = await client.chat.postMessage({
    channel: slack.channelId,
    text: approvalFallbackText(record),
    blocks: approvalRequestBlocks(record),
    // Nothing in the message is parsed into mentions or links, nor unfurled.
    parse: 'none',
    link_names: false,
    unfurl_links: false,
    unfurl_media: false,
  });
  if (!posted.ts || !posted.channel) throw new Error('Slack chat.postMessage returned no message ts');
  const ref = { channel: posted.channel, ts: posted.ts };
  // The execution's pointer first: once the approval names its message, a run that ends finds it.
  await recordExecutionApproval(rt, record);
  await recordSlackMessage(rt, record.approvalId, ref);
  return ref;
};
