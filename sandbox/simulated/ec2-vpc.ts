import * as z from 'zod';
import { fixtureDate, resolveDate, tagsSchema } from './dates';
import { defineModule, SimulatedServiceError, tagList } from './service';

const vpc = z.object({
  vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/),
  region: z.string().default('us-east-1'),
  cidrBlock: z.string().default('10.0.0.0/16'),
  isDefault: z.boolean().default(false),
  tags: tagsSchema,
});

const flowLog = z.object({
  flowLogId: z.string().regex(/^fl-[0-9a-f]{8,17}$/),
  resourceId: z.string().describe('The VPC (or subnet / network interface) id'),
  region: z.string().default('us-east-1'),
  trafficType: z.enum(['ACCEPT', 'REJECT', 'ALL']).default('ALL'),
  logDestinationType: z.enum(['cloud-watch-logs', 's3', 'kinesis-data-firehose']).default('cloud-watch-logs'),
  logDestination: z.string().describe('ARN of the log group, bucket (optionally /prefix/) or delivery stream'),
  deliverLogsPermissionArn: z.string().optional(),
  creationTime: fixtureDate.default('now-30d'),
  tags: tagsSchema,
});

const ebsRegion = z.object({
  encryptionByDefault: z.boolean().default(false),
  defaultKmsKeyId: z.string().default('alias/aws/ebs'),
});

interface FlowLogState {
  flowLogId: string;
  resourceId: string;
  region: string;
  trafficType: string;
  logDestinationType: string;
  logDestination: string;
  deliverLogsPermissionArn?: string;
  creationTime: Date;
  tags: Record<string, string>;
}

interface VpcState {
  vpcs: z.infer<typeof vpc>[];
  flowLogs: FlowLogState[];
  /** EBS encryption by default, per region (a region not listed is off, as in a new account). */
  ebs: Map<string, z.infer<typeof ebsRegion>>;
}

type Filter = { Name: string; Values: string[] };

const flowLogMatches = (f: FlowLogState, filter: Filter): boolean => {
  switch (filter.Name) {
    case 'resource-id':
      return filter.Values.includes(f.resourceId);
    case 'flow-log-id':
      return filter.Values.includes(f.flowLogId);
    case 'traffic-type':
      return filter.Values.includes(f.trafficType);
    case 'log-destination-type':
      return filter.Values.includes(f.logDestinationType);
    default:
      throw new SimulatedServiceError('InvalidParameterValue', `The simulated account does not support the flow-log filter ${filter.Name}`);
  }
};

const toSdkFlowLog = (f: FlowLogState) => ({
  FlowLogId: f.flowLogId,
  FlowLogStatus: 'ACTIVE',
  DeliverLogsStatus: 'SUCCESS',
  ResourceId: f.resourceId,
  TrafficType: f.trafficType,
  LogDestinationType: f.logDestinationType,
  LogDestination: f.logDestination,
  // AWS also reports the group name for CloudWatch Logs destinations.
  LogGroupName: f.logDestinationType === 'cloud-watch-logs' ? /:log-group:([^:]+)/.exec(f.logDestination)?.[1] : undefined,
  DeliverLogsPermissionArn: f.deliverLogsPermissionArn,
  CreationTime: f.creationTime,
  MaxAggregationInterval: 600,
  Tags: tagList(f.tags),
});

/** VPCs, their flow logs, and EBS encryption by default per region (one EC2Client slice). */
export const ec2VpcModule = defineModule({
  key: 'ec2Vpc',
  clientName: 'EC2Client',
  fixture: z
    .object({
      vpcs: z.array(vpc).default([]),
      flowLogs: z.array(flowLog).default([]),
      ebsByRegion: z.record(z.string(), ebsRegion).default({}).describe('EBS encryption by default, per region; absent regions are off'),
    })
    .prefault({}),
  load: (fixture, now): VpcState => ({
    vpcs: fixture.vpcs.map((v) => ({ ...v, tags: { ...v.tags } })),
    flowLogs: fixture.flowLogs.map((f) => ({ ...f, creationTime: resolveDate(f.creationTime, now), tags: { ...f.tags } })),
    ebs: new Map(Object.entries(fixture.ebsByRegion).map(([region, settings]) => [region, { ...settings }])),
  }),
  commands: (state, now) => {
    let flowLogSequence = 0;
    const newFlowLogId = (): string => `fl-0a${(++flowLogSequence).toString(16).padStart(15, '0')}`;
    const ebsOf = (accountId: string, region: string) => {
      const all = state(accountId).ebs;
      if (!all.has(region)) all.set(region, { encryptionByDefault: false, defaultKmsKeyId: 'alias/aws/ebs' });
      return all.get(region) as z.infer<typeof ebsRegion>;
    };
    return {
      DescribeVpcs: (input, ctx) => {
        const ids = (input.VpcIds ?? []) as string[];
        const inRegion = state(ctx.accountId).vpcs.filter((v) => v.region === ctx.region);
        const missing = ids.find((id) => !inRegion.some((v) => v.vpcId === id));
        if (missing) throw new SimulatedServiceError('InvalidVpcID.NotFound', `The vpc ID '${missing}' does not exist`);
        return {
          Vpcs: inRegion
            .filter((v) => ids.length === 0 || ids.includes(v.vpcId))
            .map((v) => ({
              VpcId: v.vpcId,
              CidrBlock: v.cidrBlock,
              IsDefault: v.isDefault,
              State: 'available',
              OwnerId: ctx.accountId,
              Tags: tagList(v.tags),
            })),
        };
      },
      DescribeFlowLogs: (input, ctx) => {
        const filters = (input.Filter ?? []) as Filter[];
        const ids = (input.FlowLogIds ?? []) as string[];
        return {
          FlowLogs: state(ctx.accountId)
            .flowLogs.filter((f) => f.region === ctx.region && (ids.length === 0 || ids.includes(f.flowLogId)))
            .filter((f) => filters.every((filter) => flowLogMatches(f, filter)))
            .map(toSdkFlowLog),
        };
      },
      CreateFlowLogs: (input, ctx) => {
        const account = state(ctx.accountId);
        const destinationType = String(input.LogDestinationType ?? 'cloud-watch-logs');
        const destination = input.LogDestination as string | undefined;
        if (!destination) throw new SimulatedServiceError('InvalidParameter', 'LogDestination is required by the simulated account');
        if (destinationType === 'cloud-watch-logs' && !input.DeliverLogsPermissionArn) {
          throw new SimulatedServiceError('InvalidParameter', 'DeliverLogsPermissionArn is required when publishing to CloudWatch Logs');
        }
        const trafficType = String(input.TrafficType ?? '');
        if (!['ACCEPT', 'REJECT', 'ALL'].includes(trafficType))
          throw new SimulatedServiceError('InvalidParameter', `Invalid TrafficType ${trafficType}`);
        const flowLogIds: string[] = [];
        const unsuccessful: { ResourceId: string; Error: { Code: string; Message: string } }[] = [];
        // Like AWS, a problem with one resource is reported in Unsuccessful, not thrown.
        for (const resourceId of (input.ResourceIds ?? []) as string[]) {
          if (!account.vpcs.some((v) => v.vpcId === resourceId && v.region === ctx.region)) {
            unsuccessful.push({
              ResourceId: resourceId,
              Error: { Code: 'InvalidVpcID.NotFound', Message: `The vpc ID '${resourceId}' does not exist` },
            });
            continue;
          }
          const duplicate = account.flowLogs.some(
            (f) =>
              f.resourceId === resourceId && f.logDestination === destination && f.trafficType === trafficType && f.region === ctx.region,
          );
          if (duplicate) {
            unsuccessful.push({
              ResourceId: resourceId,
              Error: {
                Code: 'FlowLogAlreadyExists',
                Message: 'Error. There is an existing Flow Log with the same configuration and log destination.',
              },
            });
            continue;
          }
          const tags = ((input.TagSpecifications ?? []) as { Tags?: { Key: string; Value: string }[] }[]).flatMap((s) => s.Tags ?? []);
          const created: FlowLogState = {
            flowLogId: newFlowLogId(),
            resourceId,
            region: ctx.region,
            trafficType,
            logDestinationType: destinationType,
            logDestination: destination,
            deliverLogsPermissionArn: input.DeliverLogsPermissionArn as string | undefined,
            creationTime: now(),
            tags: Object.fromEntries(tags.map((t) => [t.Key, t.Value])),
          };
          account.flowLogs.push(created);
          flowLogIds.push(created.flowLogId);
        }
        return { FlowLogIds: flowLogIds, Unsuccessful: unsuccessful, ClientToken: input.ClientToken };
      },
      DeleteFlowLogs: (input, ctx) => {
        const account = state(ctx.accountId);
        const unsuccessful: { ResourceId: string; Error: { Code: string; Message: string } }[] = [];
        for (const id of (input.FlowLogIds ?? []) as string[]) {
          const index = account.flowLogs.findIndex((f) => f.flowLogId === id && f.region === ctx.region);
          if (index < 0)
            unsuccessful.push({ ResourceId: id, Error: { Code: 'InvalidFlowLogId.NotFound', Message: `Flow Log ${id} does not exist` } });
          else account.flowLogs.splice(index, 1);
        }
        return { Unsuccessful: unsuccessful };
      },
      GetEbsEncryptionByDefault: (_input, ctx) => ({
        EbsEncryptionByDefault: ebsOf(ctx.accountId, ctx.region).encryptionByDefault,
        SseType: 'sse-ebs',
      }),
      GetEbsDefaultKmsKeyId: (_input, ctx) => ({ KmsKeyId: ebsOf(ctx.accountId, ctx.region).defaultKmsKeyId }),
      EnableEbsEncryptionByDefault: (_input, ctx) => {
        ebsOf(ctx.accountId, ctx.region).encryptionByDefault = true;
        return { EbsEncryptionByDefault: true };
      },
      DisableEbsEncryptionByDefault: (_input, ctx) => {
        ebsOf(ctx.accountId, ctx.region).encryptionByDefault = false;
        return { EbsEncryptionByDefault: false };
      },
    };
  },
  snapshot: (s) => ({
    ...Object.fromEntries(
      s.vpcs.map((v) => [
        `vpc/${v.vpcId}`,
        s.flowLogs.filter((f) => f.resourceId === v.vpcId).map((f) => `${f.flowLogId} ${f.trafficType} → ${f.logDestination}`),
      ]),
    ),
    ...Object.fromEntries([...s.ebs].map(([region, e]) => [`ebs-encryption-by-default/${region}`, e.encryptionByDefault])),
  }),
});
