import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  ListTrailsCommand,
  type AdvancedEventSelector,
  type EventSelector,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import type { ClientFactory } from '../../platform/clients';
import { InvalidInputError, ResourceNotFoundError } from '../../platform/errors';
import type { FindingRef } from '../../findings/types';

/**
 * What the CloudTrail and CloudWatch controls need to know about a trail, read with DescribeTrails,
 * GetTrailStatus and GetEventSelectors. Every call for a trail goes to its home region: that is the
 * only region where CloudTrail accepts changes, and reading there too keeps one client per trail.
 */
export interface TrailFacts {
  name: string;
  arn: string;
  homeRegion: string;
  /** The account that owns the trail (an organization trail may belong to the management account). */
  ownerAccountId: string;
  multiRegion: boolean;
  includeGlobalServiceEvents: boolean;
  logFileValidation: boolean;
  kmsKeyId?: string;
  bucket: string;
  logGroupArn?: string;
  organizationTrail: boolean;
}

export interface TrailActivity {
  isLogging: boolean;
  latestCloudWatchLogsDelivery?: Date;
}

export interface ManagementEvents {
  /** Read and write management events from every source: what CloudTrail.1 asks for. */
  complete: boolean;
  /** Basic selectors (advanced ones are reported, never rewritten). */
  selectors: EventSelector[];
  advanced: boolean;
  description: string;
}

export const trailClient = (clients: ClientFactory, accountId: string, trail: { homeRegion: string }): CloudTrailClient =>
  clients.at(CloudTrailClient, { accountId, region: trail.homeRegion });

const accountOfArn = (arn: string): string => arn.split(':')[4] ?? '';

const factsOf = (t: Trail): TrailFacts => ({
  name: t.Name as string,
  arn: t.TrailARN as string,
  homeRegion: t.HomeRegion as string,
  ownerAccountId: accountOfArn(t.TrailARN ?? ''),
  multiRegion: t.IsMultiRegionTrail === true,
  includeGlobalServiceEvents: t.IncludeGlobalServiceEvents !== false,
  logFileValidation: t.LogFileValidationEnabled === true,
  kmsKeyId: t.KmsKeyId || undefined,
  bucket: t.S3BucketName as string,
  logGroupArn: t.CloudWatchLogsLogGroupArn || undefined,
  organizationTrail: t.IsOrganizationTrail === true,
});

/** Every trail that logs this region: its own trails and the multi-region (shadow) trails homed elsewhere. */
export const trailsSeenIn = async (clients: ClientFactory, accountId: string, region: string): Promise<TrailFacts[]> => {
  const client = clients.at(CloudTrailClient, { accountId, region });
  const { trailList } = await client.send(new DescribeTrailsCommand({ includeShadowTrails: true }));
  return (trailList ?? []).map(factsOf);
};

/**
 * Every trail of the account in every region (ListTrails), described in its home region, plus trails of
 * other accounts (organization trails) that log this region: CloudTrail.1 is about the whole account.
 */
export const accountTrails = async (clients: ClientFactory, accountId: string, region: string): Promise<TrailFacts[]> => {
  const listed = (await clients.at(CloudTrailClient, { accountId, region }).send(new ListTrailsCommand({}))).Trails ?? [];
  const homes = [...new Set(listed.map((t) => t.HomeRegion as string))];
  const described = await Promise.all(
    homes.map(async (home) => {
      const arns = listed.filter((t) => t.HomeRegion === home).map((t) => t.TrailARN as string);
      const { trailList } = await clients
        .at(CloudTrailClient, { accountId, region: home })
        .send(new DescribeTrailsCommand({ trailNameList: arns, includeShadowTrails: true }));
      return (trailList ?? []).filter((t) => t.HomeRegion === home).map(factsOf);
    }),
  );
  const own = described.flat();
  const shadows = (await trailsSeenIn(clients, accountId, region)).filter((t) => !own.some((o) => o.arn === t.arn));
  return [...own, ...shadows];
};

/** A trail by ARN, read in its home region (the region in the ARN). */
export const trailByArn = async (clients: ClientFactory, accountId: string, arn: string): Promise<TrailFacts> => {
  const match = /^arn:aws[\w-]*:cloudtrail:([\w-]+):(\d{12}):trail\/(.+)$/.exec(arn);
  if (!match) throw new InvalidInputError(`Resource ${arn} is not a CloudTrail trail ARN`);
  const client = clients.at(CloudTrailClient, { accountId, region: match[1] });
  const { trailList } = await client.send(new DescribeTrailsCommand({ trailNameList: [arn], includeShadowTrails: true }));
  const found = (trailList ?? []).find((t) => t.TrailARN === arn);
  if (!found) throw new ResourceNotFoundError(`Trail ${arn} no longer exists`);
  return factsOf(found);
};

/** The trail of this account named `name` whose home is `region`, or undefined (a name names a trail of the caller's region). */
export const trailNamed = async (
  clients: ClientFactory,
  accountId: string,
  region: string,
  name: string,
): Promise<TrailFacts | undefined> => {
  const client = clients.at(CloudTrailClient, { accountId, region });
  const { trailList } = await client.send(new DescribeTrailsCommand({ trailNameList: [name], includeShadowTrails: false }));
  const found = (trailList ?? []).find((t) => t.Name === name && t.HomeRegion === region);
  return found && factsOf(found);
};

/** The trail a finding's resource names. */
export const trailOfFinding = (clients: ClientFactory, finding: FindingRef): Promise<TrailFacts> =>
  trailByArn(clients, finding.accountId, finding.resource.canonicalId);

export const trailActivity = async (clients: ClientFactory, accountId: string, trail: TrailFacts): Promise<TrailActivity> => {
  const status = await trailClient(clients, accountId, trail).send(new GetTrailStatusCommand({ Name: trail.arn }));
  return { isLogging: status.IsLogging === true, latestCloudWatchLogsDelivery: status.LatestCloudWatchLogsDeliveryTime };
};

/** An advanced selector that records every management event, read and write, from every source. */
const advancedLogsAllManagement = (selector: AdvancedEventSelector): boolean => {
  const fields = selector.FieldSelectors ?? [];
  const category = fields.find((f) => f.Field === 'eventCategory');
  return category?.Equals?.includes('Management') === true && fields.every((f) => f.Field === 'eventCategory');
};

export const managementEvents = async (clients: ClientFactory, accountId: string, trail: TrailFacts): Promise<ManagementEvents> => {
  const result = await trailClient(clients, accountId, trail).send(new GetEventSelectorsCommand({ TrailName: trail.arn }));
  if (result.AdvancedEventSelectors && result.AdvancedEventSelectors.length > 0) {
    const complete = result.AdvancedEventSelectors.some(advancedLogsAllManagement);
    return {
      complete,
      selectors: [],
      advanced: true,
      description: complete
        ? 'advanced selectors recording all management events'
        : 'advanced selectors that do not record all management events',
    };
  }
  const selectors = result.EventSelectors ?? [];
  const management = selectors.filter((s) => s.IncludeManagementEvents !== false);
  const complete = management.some((s) => (s.ReadWriteType ?? 'All') === 'All' && (s.ExcludeManagementEventSources ?? []).length === 0);
  const description =
    management.length === 0
      ? 'no management events'
      : management
          .map(
            (s) =>
              `${s.ReadWriteType ?? 'All'} management ` +
              `events${(s.ExcludeManagementEventSources ?? []).length > 0 ? ` except ${s.ExcludeManagementEventSources?.join(', ')}` : ''}`,
          )
          .join('; ');
  return { complete, selectors, advanced: false, description };
};

/** The log group name in a CloudWatchLogsLogGroupArn ("arn:aws:logs:us-east-1:111122223333:log-group:name:*"). */
export const logGroupNameOf = (arn: string): string | undefined => /:log-group:([^:]+)/.exec(arn)?.[1];
export const regionOfArn = (arn: string): string => arn.split(':')[3] ?? '';
