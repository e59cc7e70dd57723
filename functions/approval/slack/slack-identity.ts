import type { WebClient } from '@slack/web-api';
import type { SlackConfig } from '../../platform/config';
import type { ApproverIdentity } from '../vote';

/**
 * Who clicked, as an approver identity: the Slack user id Slack signed into the request is the subject, the workspace
 * the issuer. Groups come only from hubfix's configuration: by the user id (userMap), or by the email Slack holds for
 * the user once Slack says it is confirmed (emailMap, read with users.info). Guests, external (Slack Connect) users,
 * bots and deactivated accounts are never mapped by email.
 */

export type SlackIdentityResult = { ok: true; identity: ApproverIdentity } | { ok: false; reason: string };

export const slackIssuer = (teamId: string): string => `https://slack.com/${teamId}`;

const UNMAPPED = 'Your Slack account is not mapped to a hubfix approver. Ask the hubfix administrators to add you.';

/** The user as Slack describes them; undefined for a user Slack does not know (users.info answers user_not_found). */
const usersInfo = async (client: WebClient, userId: string) => {
  try {
    return (await client.users.info({ user: userId })).user;
  } catch (error) {
    if ((error as { code?: string; data?: { error?: string } }).data?.error === 'user_not_found') return undefined;
    throw error;
  }
};

export const slackApproverIdentity = async (slack: SlackConfig, client: WebClient, userId: string): Promise<SlackIdentityResult> => {
  const issuer = slackIssuer(slack.teamId);
  const mapped = Object.hasOwn(slack.userMap, userId) ? slack.userMap[userId] : undefined;
  if (mapped) {
    const identity: ApproverIdentity = { issuer, subject: userId, email: mapped.email, groups: [...mapped.groups], channel: 'slack' };
    return { ok: true, identity: mapped.name ? { ...identity, name: mapped.name } : identity };
  }
  if (Object.keys(slack.emailMap).length === 0) return { ok: false, reason: UNMAPPED };

  const user = await usersInfo(client, userId);
  const email = user?.profile?.email?.toLowerCase();
  if (!user || user.id !== userId || user.team_id !== slack.teamId || user.deleted || user.is_bot) return { ok: false, reason: UNMAPPED };
  if (user.is_restricted || user.is_stranger) return { ok: false, reason: 'Guests and people from other workspaces cannot approve.' };
  if (!email || user.is_email_confirmed !== true) {
    return { ok: false, reason: 'Slack has no confirmed email for your account, so hubfix cannot map you to an approver.' };
  }
  const entry = Object.entries(slack.emailMap).find(([address]) => address.toLowerCase() === email)?.[1];
  if (!entry) return { ok: false, reason: UNMAPPED };
  const name = user.real_name || user.profile?.real_name;
  return { ok: true, identity: { issuer, subject: userId, email, groups: [...entry.groups], channel: 'slack', ...(name ? { name } : {}) } };
};
