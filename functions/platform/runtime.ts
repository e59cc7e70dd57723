import { awsClientFactory, type ClientFactory } from './clients';
import { configFromEnv, type HubfixConfig } from './config';
import { requireEnv } from './env';

/** Names of hubfix's own deployed resources, as the stack hands them to the functions. */
export interface Settings {
  /** DynamoDB table of pending approvals. */
  approvalTableName: string;
  /** SNS topic the approval emails go to. */
  approvalTopicArn: string;
  /** DynamoDB table of per-resource locks (one run changes one resource at a time). */
  lockTableName: string;
  /** Secrets Manager secret holding the link-signing key. */
  linkSecretId: string;
  /** Base URL of the approval API, e.g. https://abc.execute-api.us-east-1.amazonaws.com/prod */
  approvalBaseUrl: string;
  /** The remediation state machine (intake starts it). */
  stateMachineArn: string;
  /** DynamoDB table of audit records (one per run, written by Annotate, never updated). */
  auditTableName: string;
  /** The OpenID Connect issuer approvers sign in with (the stack's Cognito user pool unless configured). */
  authIssuer: string;
  /** The approval page's client id at that issuer. */
  authClientId: string;
  /** Secrets Manager secret holding that client's secret. */
  authClientSecretId: string;
  /** DynamoDB table of the Slack message posted per execution (only where Slack is configured). */
  slackMessageTableName?: string;
}

/** Everything a handler needs from the outside world, passed in (never reached for globally). */
export interface Runtime {
  clients: ClientFactory;
  config: HubfixConfig;
  settings: Settings;
  now: () => Date;
  /** Where the Slack Web API is (the sandbox's loopback stand-in); Slack's own when absent. */
  slackApiUrl?: string;
}

export const SETTINGS_ENV: Record<keyof Settings, string> = {
  approvalTableName: 'APPROVAL_TABLE_NAME',
  approvalTopicArn: 'APPROVAL_TOPIC_ARN',
  lockTableName: 'LOCK_TABLE_NAME',
  linkSecretId: 'LINK_SECRET_ID',
  approvalBaseUrl: 'APPROVAL_BASE_URL',
  stateMachineArn: 'STATE_MACHINE_ARN',
  auditTableName: 'AUDIT_TABLE_NAME',
  authIssuer: 'APPROVAL_AUTH_ISSUER',
  authClientId: 'APPROVAL_AUTH_CLIENT_ID',
  authClientSecretId: 'APPROVAL_AUTH_CLIENT_SECRET_ID',
  slackMessageTableName: 'SLACK_MESSAGE_TABLE_NAME',
};

/** Settings read from the environment on first use, so each function only needs the variables it uses. */
const settingsFromEnv = (): Settings =>
  Object.defineProperties(
    {},
    Object.fromEntries(Object.entries(SETTINGS_ENV).map(([key, envName]) => [key, { get: () => requireEnv(envName), enumerable: true }])),
  ) as Settings;

let lambdaRuntime: Runtime | undefined;

/** The runtime of a deployed function: real AWS clients, configuration from HUBFIX_CONFIG. Built once per container. */
export const awsRuntime = (): Runtime =>
  (lambdaRuntime ??= {
    clients: awsClientFactory(),
    config: configFromEnv(),
    settings: settingsFromEnv(),
    now: () => new Date(),
  });
