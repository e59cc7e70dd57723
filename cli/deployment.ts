import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  GetFindingAggregatorCommand,
  ListFindingAggregatorsCommand,
  ListMembersCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { STSClient } from '@aws-sdk/client-sts';
import type { ClientFactory, Target } from '../functions/platform/clients';
import type { HubfixConfig } from '../functions/platform/config';
import { ADMINISTRATOR_ROLE_NAMES } from '../infra/member-stack';
import {
  allPages,
  assumedRoleCredentials,
  clientSettings,
  readDeployment,
  readOnlyClientFactory,
  type AwsOptions,
  type Deployment,
} from './aws';

/** The deployed stack the options name, read with the operator's credentials. */
export const findDeployment = async (options: AwsOptions): Promise<Deployment> => {
  const cfn = new CloudFormationClient(clientSettings(options));
  try {
    return await readDeployment(cfn, options.stack);
  } finally {
    cfn.destroy();
  }
};

/** The read-only administrator role (hubfix-admin-inspect) of the deployment: the one member roles trust for reads. */
export const inspectRoleArn = (deployment: Deployment): string =>
  `arn:${deployment.partition}:iam::${deployment.accountId}:role/${ADMINISTRATOR_ROLE_NAMES.inspect}`;

/**
 * What the operator reads accounts with: hubfix-admin-inspect assumed from their credentials (`operators.principalArns`
 * lets them), which reaches every member's hubfix-inspect as Assess does; or, `ownCredentials`, their own credentials in
 * the deployment's account only. Either way every call is a read (readOnlyClientFactory refuses the rest).
 */
export const inspectClients = (deployment: Deployment, options: AwsOptions, ownCredentials = false): ClientFactory =>
  readOnlyClientFactory({
    homeAccountId: deployment.accountId,
    homeRegion: deployment.region,
    profile: options.profile,
    credentials: ownCredentials
      ? undefined
      : assumedRoleCredentials(new STSClient(clientSettings(options, deployment.region)), inspectRoleArn(deployment), 'hubfix-cli'),
  });

export interface MemberScope {
  /** Accounts other than the deployment's own that hubfix acts in. */
  accounts: string[];
  /** The deployment's region and the regions the finding aggregator links. */
  regions: string[];
  /** Where the lists came from, for the reader. */
  source: string;
}

/**
 * The accounts and regions hubfix acts in: `accounts.include` (less `exclude`) or, when it names none, the Security Hub
 * members of the administrator account; the home region and the regions the finding aggregator links.
 */
export const memberScope = async (
  config: HubfixConfig,
  deployment: Deployment,
  securityHub: SecurityHubClient,
  extraRegions: string[] = [],
): Promise<MemberScope> => {
  const excluded = new Set([...config.accounts.exclude, deployment.accountId]);
  let accounts = config.accounts.include;
  let source = 'accounts.include';
  if (accounts.length === 0) {
    source = 'the Security Hub members';
    const members = await allPages(async (NextToken) => {
      const page = await securityHub.send(new ListMembersCommand({ OnlyAssociated: true, NextToken }));
      return { items: page.Members, next: page.NextToken };
    });
    accounts = members.flatMap((m) => (m.AccountId && m.MemberStatus === 'Enabled' ? [m.AccountId] : []));
  }
  const regions = new Set([deployment.region, ...extraRegions]);
  const arn = (await securityHub.send(new ListFindingAggregatorsCommand({}))).FindingAggregators?.[0]?.FindingAggregatorArn;
  if (arn) {
    const aggregator = await securityHub.send(new GetFindingAggregatorCommand({ FindingAggregatorArn: arn }));
    // SPECIFIED_REGIONS lists the linked regions; the other modes list exclusions or nothing (name regions with --regions).
    if (aggregator.RegionLinkingMode === 'SPECIFIED_REGIONS') for (const region of aggregator.Regions ?? []) regions.add(region);
  }
  return { accounts: [...new Set(accounts)].filter((a) => !excluded.has(a)).sort(), regions: [...regions], source };
};

/** Every account (the deployment's own included) in every region of the scope. */
export const scopeTargets = (deployment: Deployment, scope: MemberScope): Target[] =>
  [deployment.accountId, ...scope.accounts].flatMap((accountId) => scope.regions.map((region) => ({ accountId, region })));
