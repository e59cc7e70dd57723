import type { WebClient } from '@slack/web-api';
import type { SlackConfig } from '../../platform/config';
import { ConfigurationError } from '../../platform/errors';
import type { Runtime } from '../../platform/runtime';
import { readSecretString } from '../../platform/secrets';

/** Bot tokens are xoxb-…; anything shorter is a misconfigured secret. */
const MIN_TOKEN_LENGTH = 20;
/** Slack recommends a long random signing secret; theirs are 32 hex characters. */
export const MIN_SIGNING_SECRET_LENGTH = 32;
/** A Slack call must fit inside Slack's 3-second interaction deadline and the Lambda timeout: one retry, short timeout. */
const CALL_TIMEOUT_MS = 2_500;

// One WebClient per token and API URL, kept for warm starts (a rotated token gets a new one).
const clients = new Map<string, WebClient>();

/** The Slack configuration, or a ConfigurationError for a function that was wired for Slack without it. */
export const slackConfigOf = (rt: Runtime): SlackConfig => {
  if (!rt.config.slack) throw new ConfigurationError('Slack is not configured (config.slack is absent)');
  return rt.config.slack;
};

/** The Web API client with the bot token: Slack's official SDK, pointed at the sandbox's stand-in when the runtime says so. */
export const slackWebClient = async (rt: Runtime, slack: SlackConfig): Promise<WebClient> => {
  const token = await readSecretString(rt, slack.botTokenSecretArn, MIN_TOKEN_LENGTH);
  const apiUrl = rt.slackApiUrl ?? 'https://slack.com/api/';
  const key = `${apiUrl}\n${token}`;
  let client = clients.get(key);
  if (!client) {
    // Loaded on the first Slack call: the interactions route never makes one, the closer only for runs posted to Slack.
    const { LogLevel, WebClient } = await import('@slack/web-api');
    client = new WebClient(token, {
      slackApiUrl: apiUrl,
      retryConfig: { retries: 1, minTimeout: 200, maxTimeout: 500 },
      rejectRateLimitedCalls: true,
      timeout: CALL_TIMEOUT_MS,
      // The SDK logs request bodies at debug level: never below ERROR here.
      logLevel: LogLevel.ERROR,
    });
    clients.set(key, client);
  }
  return client;
};

export const slackSigningSecret = (rt: Runtime, slack: SlackConfig): Promise<string> =>
  readSecretString(rt, slack.signingSecretArn, MIN_SIGNING_SECRET_LENGTH);
