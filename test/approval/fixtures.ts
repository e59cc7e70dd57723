import type { AnyClient, ClientCtor, ClientFactory } from '../../functions/platform/clients';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { defaultConfig } from '../../functions/platform/config';
import type { Runtime, Settings } from '../../functions/platform/runtime';
import type { Assessment, FindingRef } from '../../functions/findings/types';
import { findingRef } from '../support/finding-ref';

export const LINK_SECRET = 'test-link-signing-key-0123456789abcdef';
export const TASK_TOKEN = 'AQCEAAAAKgAAAA-secret-task-token-must-never-leak-0123456789';
export const NOW = new Date('2025-03-01T12:00:00.000Z');

export const settingsFor = (tableName: string): Settings => ({
  approvalTableName: tableName,
  lockTableName: 'locks',
  approvalTopicArn: 'arn:aws:sns:us-east-1:111111111111:hubfix-approvals',
  linkSecretId: 'hubfix/link-secret',
  approvalBaseUrl: 'https://abc123.execute-api.us-east-1.amazonaws.com/prod',
  stateMachineArn: 'arn:aws:states:us-east-1:111111111111:stateMachine:hubfix',
  auditTableName: 'audit',
  authIssuer: 'https://idp.example.com',
  authClientId: 'hubfix-approval-page',
  authClientSecretId: 'hubfix/approval-client-secret',
});

/**
 * Clients for tests: DynamoDB goes to dynalite; every other client is a plain instance whose `send`
 * aws-sdk-client-mock intercepts (mockClient(Class) mocks all instances).
 */
export const testClients = (dynamo: DynamoDBClient): ClientFactory => {
  const others = new Map<string, AnyClient>();
  const get = <C extends AnyClient>(ctor: ClientCtor<C>): C => {
    if ((ctor as unknown) === DynamoDBClient) return dynamo as unknown as C;
    let client = others.get(ctor.name);
    if (!client) {
      client = new ctor({ region: 'us-east-1' });
      others.set(ctor.name, client);
    }
    return client as C;
  };
  return { home: (ctor) => get(ctor), at: (ctor) => get(ctor) };
};

export const testRuntime = (dynamo: DynamoDBClient, tableName: string, now: () => Date = () => NOW): Runtime => ({
  clients: testClients(dynamo),
  config: defaultConfig(),
  settings: settingsFor(tableName),
  now,
});

export const finding = (overrides: Partial<FindingRef> = {}): FindingRef => ({
  ...findingRef(
    'IAM.3',
    { type: 'AwsIamUser', id: 'arn:aws:iam::222222222222:user/ci-deployer' },
    {
      id: 'arn:aws:securityhub:us-east-1:222222222222:security-control/IAM.3/finding/0b1c2d3e',
      accountId: '222222222222',
      title: 'IAM users access keys should be rotated every 90 days or less',
      updatedAt: '2025-03-01T11:00:00.000Z',
    },
  ),
  ...overrides,
});

export const assessment = (overrides: Partial<Assessment> = {}): Assessment => ({
  controlId: 'IAM.3',
  pluginId: 'iam-access-keys',
  route: 'approval',
  routeReason: 'The key was used 2 days ago from a CI pipeline; deactivating it may break deployments.',
  risk: 'high',
  evidence: [
    { fact: 'Access key AKIA...XYZ was last used 2 days ago by codebuild', source: 'iam:GetAccessKeyLastUsed' },
    { fact: 'User ci-deployer is tagged environment=production', source: 'iam:ListUserTags' },
  ],
  plan: {
    summary: 'Deactivate access key AKIA...XYZ of ci-deployer',
    steps: ['Set access key AKIA...XYZ to Inactive'],
    reversible: true,
    parameters: { accessKeyIds: ['AKIA...XYZ'] },
  },
  assessedAt: '2025-03-01T11:59:00.000Z',
  ...overrides,
});

/**
 * An approval as the previous build stored it (approval schema 1, docs/upgrades.md): no `schemaVersion`, no `kind`,
 * and, from builds before the canonical resource, no `finding.resource.canonicalId`.
 */
export const version1Item = <R extends { finding: FindingRef }>(record: R): Record<string, unknown> => {
  const { schemaVersion, kind, ...rest } = record as R & { schemaVersion?: number; kind?: string };
  void schemaVersion;
  void kind;
  const { canonicalId, ...resource } = record.finding.resource;
  void canonicalId;
  return { ...rest, finding: { ...record.finding, resource } };
};
