import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SendTaskFailureCommand, SFNClient } from '@aws-sdk/client-sfn';
import { getApproval } from '../../functions/approval/approval-store';
import type { LocalCloud } from '../../sandbox/local-cloud';
import type { LocalSlackUser, PostedMessage } from '../../sandbox/local-slack';
import { asffFinding, customActionEvent, HOME_ACCOUNT, startCloud } from '../support/workflow';
import { waitFor } from '../support/wait-for';

/** A Slack workspace with an approvals channel, two mapped people, one mapped by verified email and some who are not approvers. */
export const TEAM_ID = 'T0HUBFIX1';
export const CHANNEL_ID = 'C0APPROVAL';
export const BOT_TOKEN_ARN = `arn:aws:secretsmanager:us-east-1:${HOME_ACCOUNT}:secret:hubfix/slack-bot-token-AbCdEf`;
export const SIGNING_SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${HOME_ACCOUNT}:secret:hubfix/slack-signing-secret-GhIjKl`;

export const DANA = 'U0DANA0001';
export const BO = 'U0BO000002';
/** Mapped by the email Slack confirms for her (emailMap), not by id. */
export const ERIN = 'U0ERIN0003';
/** Mapped, but only in a group that approves nothing. */
export const MALLORY = 'U0MALLORY4';
/** In the workspace, mapped nowhere. */
export const EVE = 'U0EVE00005';

export const slackUsers: LocalSlackUser[] = [
  { id: DANA, name: 'Dana Ops', email: 'dana@example.com' },
  { id: BO, name: 'Bo Sec', email: 'bo@example.com' },
  { id: ERIN, name: 'Erin Oncall', email: 'erin@example.com' },
  { id: MALLORY, name: 'Mallory Dev', email: 'mallory@example.com' },
  { id: EVE, name: 'Eve Guest', email: 'eve@example.com' },
];

export const slackConfig = (quorum = 1): Record<string, unknown> => ({
  approvalPolicy: { approverGroups: ['hubfix-approvers'], highRiskQuorum: quorum },
  slack: {
    teamId: TEAM_ID,
    channelId: CHANNEL_ID,
    botTokenSecretArn: BOT_TOKEN_ARN,
    signingSecretArn: SIGNING_SECRET_ARN,
    userMap: {
      [DANA]: { email: 'dana@example.com', name: 'Dana Ops', groups: ['hubfix-approvers'] },
      [BO]: { email: 'bo@example.com', name: 'Bo Sec', groups: ['hubfix-approvers'] },
      [MALLORY]: { email: 'mallory@example.com', name: 'Mallory Dev', groups: ['developers'] },
    },
    emailMap: { 'erin@example.com': { groups: ['hubfix-approvers'] } },
  },
});

export const demoAccount = JSON.parse(readFileSync(join(__dirname, '../../sandbox/fixtures/demo-account.json'), 'utf8')) as Record<
  string,
  unknown
>;

export const startSlackCloud = (quorum = 1): Promise<LocalCloud> => startCloud(demoAccount, slackConfig(quorum), { slackUsers });

export { waitFor };

/** The IAM.3 finding of the demo account's orders-service key (used recently: a person must decide). */
export const keyFinding = (): Record<string, unknown> =>
  asffFinding({ controlId: 'IAM.3', resourceType: 'AwsIamUser', resourceId: `arn:aws:iam::${HOME_ACCOUNT}:user/orders-service` });

export interface SlackApproval {
  approvalId: string;
  message: PostedMessage;
}

/** Runs the finding through intake until its execution waits, and returns the approval and the Slack message posted for it. */
export const requestSlackApproval = async (cloud: LocalCloud, finding: Record<string, unknown> = keyFinding()): Promise<SlackApproval> => {
  cloud.sim.importFinding(finding);
  const delivered = await cloud.deliver(customActionEvent([finding]));
  expect(delivered?.batchItemFailures ?? []).toEqual([]);
  await waitFor('the execution to wait', () => (cloud.stepFunctions.waitingExecutions().length === 1 ? true : undefined));
  const slack = cloud.slack;
  if (!slack) throw new Error('Slack is not configured in this cloud');
  const message = await waitFor('the Slack message', () => slack.messages[0]);
  const approvalId = buttonValue(message);
  // RequestApproval stores the message ts right after posting: a click before then finds no Slack message to update.
  for (let i = 0; i < 500 && !(await slackMessageStored(cloud, approvalId)); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  return { approvalId, message };
};

const slackMessageStored = async (cloud: LocalCloud, approvalId: string): Promise<boolean> => {
  const record = await getApproval(cloud.runtime, approvalId);
  return record !== undefined && 'slackMessage' in record;
};

/** The approval id the message's buttons carry. */
export const buttonValue = (message: PostedMessage): string => {
  const match = /"value":"([^"]+)"/.exec(JSON.stringify(message.history[0].blocks));
  if (!match) throw new Error('The Slack message has no buttons');
  return match[1];
};

/** Ends the waits a test left (a wait would hold jest for the approval timeout): the task fails, as a timeout would. */
export const endWaits = async (cloud: LocalCloud, approvalIds: string[]): Promise<void> => {
  for (const approvalId of approvalIds) {
    const record = await getApproval(cloud.runtime, approvalId);
    if (record?.status !== 'PENDING') continue;
    await cloud.runtime.clients
      .home(SFNClient)
      .send(new SendTaskFailureCommand({ taskToken: record.taskToken, error: 'TestEnded', cause: 'test ended' }))
      .catch(() => undefined);
  }
};

export const decisions = (cloud: LocalCloud) => cloud.sim.calls.filter((c) => c.command === 'SendTaskSuccess');

export const blocksText = (blocks: unknown[]): string => JSON.stringify(blocks);
export const hasButtons = (blocks: unknown[]): boolean => (blocks as { type: string }[]).some((b) => b.type === 'actions');

/**
 * One local cloud per test: after each test its waits are ended and the cloud stopped, so no run holds jest.
 * Call at the top of a suite; `use` hands it a cloud a test started itself, `awaiting` an approval it must end.
 */
export const slackRuns = () => {
  let cloud: LocalCloud | undefined;
  const approvals: string[] = [];
  afterEach(async () => {
    if (cloud) {
      await endWaits(cloud, approvals.splice(0));
      await cloud.settle();
      await cloud.stop();
    }
    cloud = undefined;
  });
  const use = (c: LocalCloud): LocalCloud => (cloud = c);
  const awaiting = (approvalId: string): void => void approvals.push(approvalId);
  /** A Slack cloud whose IAM.3 run waits for approval, and that approval's message. */
  const start = async (quorum = 1): Promise<{ c: LocalCloud; waiting: SlackApproval }> => {
    const c = use(await startSlackCloud(quorum));
    const waiting = await requestSlackApproval(c);
    awaiting(waiting.approvalId);
    return { c, waiting };
  };
  return { use, awaiting, start };
};
