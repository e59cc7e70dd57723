import * as z from 'zod';
import { fixtureDate, resolveDate, tagsSchema } from './dates';
import { defineModule, SimulatedServiceError, tagList } from './service';

const instance = z.object({
  instanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/),
  region: z.string().default('us-east-1'),
  state: z.enum(['pending', 'running', 'stopping', 'stopped', 'terminated']).default('running'),
  privateIpAddress: z.string().optional(),
  publicIpAddress: z.string().optional(),
  launchTime: fixtureDate.optional().describe('When the instance last started (absent: long before any lookback window)'),
  tags: tagsSchema,
  metadataOptions: z
    .object({
      httpTokens: z.enum(['optional', 'required']).default('optional').describe('"optional" allows IMDSv1, the default of most launches'),
      httpEndpoint: z.enum(['enabled', 'disabled']).default('enabled'),
      httpPutResponseHopLimit: z.number().int().min(1).max(64).default(1),
    })
    .prefault({}),
});
export type InstanceState = Omit<z.infer<typeof instance>, 'launchTime'> & { launchTime: Date };

const matches = (i: InstanceState, filter: { Name: string; Values: string[] }): boolean => {
  switch (filter.Name) {
    case 'private-ip-address':
      return i.privateIpAddress !== undefined && filter.Values.includes(i.privateIpAddress);
    case 'ip-address':
      return i.publicIpAddress !== undefined && filter.Values.includes(i.publicIpAddress);
    case 'instance-id':
      return filter.Values.includes(i.instanceId);
    case 'instance-state-name':
      return filter.Values.includes(i.state);
    default:
      throw new SimulatedServiceError('InvalidParameterValue', `The simulated account does not support the filter ${filter.Name}`);
  }
};

const metadataOptionsOf = (i: InstanceState, state: 'pending' | 'applied') => ({
  State: state,
  HttpTokens: i.metadataOptions.httpTokens,
  HttpEndpoint: i.metadataOptions.httpEndpoint,
  HttpPutResponseHopLimit: i.metadataOptions.httpPutResponseHopLimit,
  HttpProtocolIpv6: 'disabled',
  InstanceMetadataTags: 'disabled',
});

/** EC2 instances (DescribeInstances with the filters hubfix uses) and their instance metadata options (IMDSv2). */
export const ec2InstancesModule = defineModule({
  key: 'instances',
  clientName: 'EC2Client',
  fixture: z.array(instance).default([]),
  load: (fixture, now): InstanceState[] =>
    fixture.map((i) => ({
      ...i,
      // Absent: a year ago, before any lookback window hubfix reads.
      launchTime: i.launchTime ? resolveDate(i.launchTime, now) : new Date(now.getTime() - 365 * 86_400_000),
      tags: { ...i.tags },
      metadataOptions: { ...i.metadataOptions },
    })),
  commands: (state) => {
    /** Like AWS, naming an instance that is not there is an error, not an empty answer. */
    const byId = (accountId: string, region: string, id: string): InstanceState => {
      const found = state(accountId).find((i) => i.region === region && i.instanceId === id);
      if (!found) throw new SimulatedServiceError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
      return found;
    };
    return {
      DescribeInstances: (input, ctx) => {
        const filters = (input.Filters ?? []) as { Name: string; Values: string[] }[];
        const ids = (input.InstanceIds ?? []) as string[];
        ids.forEach((id) => byId(ctx.accountId, ctx.region, id));
        const found = state(ctx.accountId)
          .filter((i) => i.region === ctx.region && (ids.length === 0 || ids.includes(i.instanceId)))
          .filter((i) => filters.every((f) => matches(i, f)));
        return {
          Reservations: found.map((i) => ({
            Instances: [
              {
                InstanceId: i.instanceId,
                State: { Name: i.state },
                LaunchTime: i.launchTime,
                PrivateIpAddress: i.privateIpAddress,
                PublicIpAddress: i.publicIpAddress,
                Tags: tagList(i.tags),
                MetadataOptions: metadataOptionsOf(i, 'applied'),
              },
            ],
          })),
        };
      },
      ModifyInstanceMetadataOptions: (input, ctx) => {
        const i = byId(ctx.accountId, ctx.region, String(input.InstanceId));
        if (i.state === 'terminated')
          throw new SimulatedServiceError(
            'IncorrectInstanceState',
            `The instance '${i.instanceId}' is not in a state from which it can be modified`,
          );
        const options = i.metadataOptions;
        if (input.HttpTokens !== undefined) options.httpTokens = input.HttpTokens as 'optional' | 'required';
        if (input.HttpEndpoint !== undefined) options.httpEndpoint = input.HttpEndpoint as 'enabled' | 'disabled';
        if (input.HttpPutResponseHopLimit !== undefined) options.httpPutResponseHopLimit = Number(input.HttpPutResponseHopLimit);
        // AWS answers "pending"; the simulated change is in place by the next read (AWS takes seconds).
        return { InstanceId: i.instanceId, InstanceMetadataOptions: metadataOptionsOf(i, 'pending') };
      },
    };
  },
  snapshot: (instances) =>
    Object.fromEntries(instances.map((i) => [`instance/${i.instanceId}`, `HttpTokens=${i.metadataOptions.httpTokens}`])),
});
