import { z } from 'zod';
import { defineModule, SimulatedServiceError } from './service';

const trail = z.object({
  name: z.string().min(3),
  homeRegion: z.string().default('us-east-1'),
  isMultiRegionTrail: z.boolean().default(true),
  isOrganizationTrail: z.boolean().default(false),
  s3BucketName: z.string().describe('Where the trail delivers its log files (a bucket with cloudTrailLogs holds them)'),
  s3KeyPrefix: z.string().optional(),
  s3DataEvents: z
    .array(z.string())
    .default([])
    .describe('Buckets whose S3 data events the trail records; "*" for every bucket; empty: management events only'),
  selectors: z.enum(['basic', 'advanced']).default('basic').describe('Whether the trail uses event selectors or advanced event selectors'),
});
type TrailState = z.infer<typeof trail>;

const arnOf = (t: TrailState, accountId: string): string => `arn:aws:cloudtrail:${t.homeRegion}:${accountId}:trail/${t.name}`;

const basicSelectors = (t: TrailState) => [
  {
    ReadWriteType: 'All',
    IncludeManagementEvents: true,
    ExcludeManagementEventSources: [],
    DataResources:
      t.s3DataEvents.length === 0
        ? []
        : [{ Type: 'AWS::S3::Object', Values: t.s3DataEvents.map((b) => (b === '*' ? 'arn:aws:s3' : `arn:aws:s3:::${b}/`)) }],
  },
];

const advancedSelectors = (t: TrailState) => [
  { Name: 'Management events', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
  ...(t.s3DataEvents.length === 0
    ? []
    : [
        {
          Name: 'S3 data events',
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Data'] },
            { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
            ...(t.s3DataEvents.includes('*') ? [] : [{ Field: 'resources.ARN', StartsWith: t.s3DataEvents.map((b) => `arn:aws:s3:::${b}/`) }]),
          ],
        },
      ]),
];

/** CloudTrail trails and their event selectors (DescribeTrails lists multi-region trails as shadow trails in every region). */
export const cloudTrailTrailsModule = defineModule({
  key: 'trails',
  clientName: 'CloudTrailClient',
  fixture: z.array(trail).default([]),
  load: (fixture): TrailState[] => fixture.map((t) => ({ ...t, s3DataEvents: [...t.s3DataEvents] })),
  commands: (state) => ({
    DescribeTrails: (input, ctx) => {
      const names = (input.trailNameList ?? []) as string[];
      const shadows = input.includeShadowTrails !== false;
      const trails = state(ctx.accountId)
        .filter((t) => t.homeRegion === ctx.region || (shadows && t.isMultiRegionTrail))
        .filter((t) => names.length === 0 || names.includes(t.name) || names.includes(arnOf(t, ctx.accountId)));
      return {
        trailList: trails.map((t) => ({
          Name: t.name,
          TrailARN: arnOf(t, ctx.accountId),
          HomeRegion: t.homeRegion,
          S3BucketName: t.s3BucketName,
          S3KeyPrefix: t.s3KeyPrefix,
          IsMultiRegionTrail: t.isMultiRegionTrail,
          IsOrganizationTrail: t.isOrganizationTrail,
          IncludeGlobalServiceEvents: true,
          LogFileValidationEnabled: true,
          HasCustomEventSelectors: t.s3DataEvents.length > 0,
          HasInsightSelectors: false,
        })),
      };
    },
    GetEventSelectors: (input, ctx) => {
      const name = String(input.TrailName);
      // A trail name resolves in the trail's home region only; its ARN anywhere.
      const found = state(ctx.accountId).find((t) => arnOf(t, ctx.accountId) === name || (t.name === name && t.homeRegion === ctx.region));
      if (!found) throw new SimulatedServiceError('TrailNotFoundException', `Unknown trail: ${name} for the user: ${ctx.accountId}`);
      return found.selectors === 'basic'
        ? { TrailARN: arnOf(found, ctx.accountId), EventSelectors: basicSelectors(found) }
        : { TrailARN: arnOf(found, ctx.accountId), AdvancedEventSelectors: advancedSelectors(found) };
    },
  }),
});
