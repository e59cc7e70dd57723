import { WebClient } from '@slack/web-api';
import { slackApproverIdentity } from '../../functions/approval/slack/slack-identity';
import { parseConfig, type SlackConfig } from '../../functions/platform/config';
import { LocalSlack } from '../../sandbox/local-slack';
import { BOT_TOKEN_ARN, SIGNING_SECRET_ARN, TEAM_ID } from './support';

/** The mapping from a Slack user to an approver identity, against the loopback slack.com through Slack's own SDK. */

let slack: LocalSlack;
let client: WebClient;

const config = (emailMap: Record<string, { groups: string[] }> = { 'Erin@Example.com': { groups: ['hubfix-approvers'] } }): SlackConfig =>
  parseConfig({
    slack: {
      teamId: TEAM_ID,
      channelId: 'C0APPROVAL',
      botTokenSecretArn: BOT_TOKEN_ARN,
      signingSecretArn: SIGNING_SECRET_ARN,
      userMap: { U0DANA0001: { email: 'dana@example.com', name: 'Dana Ops', groups: ['hubfix-approvers', 'secops'] } },
      emailMap,
    },
  }).slack as SlackConfig;

beforeAll(async () => {
  slack = await LocalSlack.start({
    teamId: TEAM_ID,
    users: [
      { id: 'U0ERIN0003', name: 'Erin Oncall', email: 'erin@example.com' },
      { id: 'U0UNCONF01', name: 'Unconfirmed', email: 'erin@example.com', emailConfirmed: false },
      { id: 'U0GUEST001', name: 'Guest', email: 'erin@example.com', restricted: true },
      { id: 'U0OTHER001', name: 'Other team', email: 'erin@example.com', teamId: 'T0OTHERTEAM' },
      { id: 'U0GONE0001', name: 'Gone', email: 'erin@example.com', deleted: true },
      { id: 'U0BOT00001', name: 'A bot', email: 'erin@example.com', isBot: true },
      { id: 'U0NOMAIL01', name: 'No email' },
      { id: 'U0OTHERML1', name: 'Someone else', email: 'someone@example.com' },
    ],
  });
  client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
});

afterAll(() => slack.stop());

describe('who clicked, as an approver', () => {
  it('maps a Slack user id from userMap to an identity issued by the workspace, without asking Slack', async () => {
    // Prepare
    const calls = slack.calls.length;

    // Act
    const result = await slackApproverIdentity(config(), client, 'U0DANA0001');

    // Assess
    expect(result).toEqual({
      ok: true,
      identity: {
        issuer: `https://slack.com/${TEAM_ID}`,
        subject: 'U0DANA0001',
        email: 'dana@example.com',
        name: 'Dana Ops',
        groups: ['hubfix-approvers', 'secops'],
        channel: 'slack',
      },
    });
    expect(slack.calls.length).toBe(calls);
  });

  it('maps a user by the email Slack has confirmed (case-insensitive), with the groups the config gives that email', async () => {
    const result = await slackApproverIdentity(config(), client, 'U0ERIN0003');

    expect(result).toEqual({
      ok: true,
      identity: expect.objectContaining({
        subject: 'U0ERIN0003',
        email: 'erin@example.com',
        groups: ['hubfix-approvers'],
        channel: 'slack',
      }),
    });
  });

  it.each([
    ['an unconfirmed email', 'U0UNCONF01', 'no confirmed email'],
    ['a guest account', 'U0GUEST001', 'Guests'],
    ['a user of another workspace', 'U0OTHER001', 'not mapped'],
    ['a deactivated account', 'U0GONE0001', 'not mapped'],
    ['a bot', 'U0BOT00001', 'not mapped'],
    ['a user without an email', 'U0NOMAIL01', 'no confirmed email'],
    ['an email the config does not list', 'U0OTHERML1', 'not mapped'],
    ['a user Slack does not know', 'U0NOBODY01', 'not mapped'],
  ])('refuses %s', async (_name, userId, reason) => {
    const result = await slackApproverIdentity(config(), client, userId).catch((error: Error) => ({
      ok: false as const,
      reason: error.message,
    }));

    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reason);
  });

  it('asks Slack nothing when no email mapping is configured', async () => {
    // Prepare
    const calls = slack.calls.length;

    // Act
    const result = await slackApproverIdentity(config({}), client, 'U0ERIN0003');

    // Assess
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('not mapped') });
    expect(slack.calls.length).toBe(calls);
  });
});
