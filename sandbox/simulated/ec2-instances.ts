import { z } from 'zod';
import { tagsSchema } from './dates';
import { defineModule, SimulatedServiceError, tagList } from './service';

const instance = z.object({
  instanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/),
  region: z.string().default('us-east-1'),
  state: z.enum(['pending', 'running', 'stopping', 'stopped', 'terminated']).default('running'),
  privateIpAddress: z.string().optional(),
  publicIpAddress: z.string().optional(),
  tags: tagsSchema,
});
export type InstanceState = z.infer<typeof instance>;

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

/** EC2 instances (DescribeInstances with the filters hubfix uses). */
export const ec2InstancesModule = defineModule({
  key: 'instances',
  clientName: 'EC2Client',
  fixture: z.array(instance).default([]),
  load: (fixture): InstanceState[] => fixture.map((i) => ({ ...i, tags: { ...i.tags } })),
  commands: (state) => ({
    DescribeInstances: (input, ctx) => {
      const filters = (input.Filters ?? []) as { Name: string; Values: string[] }[];
      const ids = (input.InstanceIds ?? []) as string[];
      const found = state(ctx.accountId)
        .filter((i) => i.region === ctx.region && (ids.length === 0 || ids.includes(i.instanceId)))
        .filter((i) => filters.every((f) => matches(i, f)));
      return {
        Reservations: found.map((i) => ({
          Instances: [{ InstanceId: i.instanceId, State: { Name: i.state }, PrivateIpAddress: i.privateIpAddress, PublicIpAddress: i.publicIpAddress, Tags: tagList(i.tags) }],
        })),
      };
    },
  }),
});
