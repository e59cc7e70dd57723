import * as z from 'zod';
import { partitionOfRegion } from './partitions';
import { defineModule, SimulatedServiceError } from './service';

/** The regions of each partition that every account has (no opt-in), and the commercial opt-in regions. */
const DEFAULT_REGIONS: Readonly<Record<string, readonly string[]>> = {
  aws: [
    'us-east-1',
    'us-east-2',
    'us-west-1',
    'us-west-2',
    'ca-central-1',
    'sa-east-1',
    'eu-central-1',
    'eu-west-1',
    'eu-west-2',
    'eu-west-3',
    'eu-north-1',
    'ap-south-1',
    'ap-northeast-1',
    'ap-northeast-2',
    'ap-northeast-3',
    'ap-southeast-1',
    'ap-southeast-2',
  ],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
  'aws-us-gov': ['us-gov-west-1', 'us-gov-east-1'],
};
export const OPT_IN_REGIONS: readonly string[] = [
  'af-south-1',
  'ap-east-1',
  'ap-south-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ca-west-1',
  'eu-central-2',
  'eu-south-1',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
  'me-south-1',
];

const regionsSchema = z
  .object({
    enabled: z.array(z.string()).optional().describe("The account's enabled regions; absent: the partition's regions that need no opt-in"),
    optedIn: z.array(z.string()).default([]).describe('Opt-in regions the account enabled (commercial partition)'),
  })
  .prefault({});

interface RegionsState {
  enabled?: string[];
  optedIn: string[];
}

/**
 * EC2 DescribeRegions: with AllRegions false (the default), the regions enabled for the account (those that need no
 * opt-in and the opted-in ones); with AllRegions true, the disabled opt-in regions too, marked "not-opted-in".
 */
export const ec2RegionsModule = defineModule({
  key: 'regions',
  clientName: 'EC2Client',
  fixture: regionsSchema,
  load: (fixture): RegionsState => ({ enabled: fixture.enabled && [...fixture.enabled], optedIn: [...fixture.optedIn] }),
  commands: (state) => ({
    DescribeRegions: (input, ctx) => {
      const partition = partitionOfRegion(ctx.region);
      const defaults = DEFAULT_REGIONS[partition] ?? [];
      const account = state(ctx.accountId);
      const optIns = partition === 'aws' ? OPT_IN_REGIONS : [];
      const enabled = account.enabled ?? [...defaults, ...account.optedIn.filter((r) => optIns.includes(r))];
      const listed = input.AllRegions === true ? [...new Set([...enabled, ...optIns, ...defaults])] : enabled;
      const names = (input.RegionNames ?? []) as string[];
      const unknown = names.find((n) => !listed.includes(n));
      if (unknown) throw new SimulatedServiceError('InvalidParameterValue', `Invalid region: ${unknown}`);
      const suffix = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
      return {
        Regions: listed
          .filter((r) => names.length === 0 || names.includes(r))
          .map((r) => ({
            RegionName: r,
            Endpoint: `ec2.${r}.${suffix}`,
            OptInStatus: !optIns.includes(r) ? 'opt-in-not-required' : enabled.includes(r) ? 'opted-in' : 'not-opted-in',
          })),
      };
    },
  }),
});
