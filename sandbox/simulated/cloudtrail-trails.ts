import * as z from 'zod';
import { fixtureDate, resolveDate } from './dates';
import { arnPrefix } from './partitions';
import { defineModule, SimulatedServiceError, type SimContext } from './service';

const eventSelector = z.object({
  readWriteType: z.enum(['ReadOnly', 'WriteOnly', 'All']).default('All'),
  includeManagementEvents: z.boolean().default(true),
  excludeManagementEventSources: z.array(z.string()).default([]),
});

/** Defaults are what the CloudTrail console creates: multi-region, global service events, log file validation. */
const trail = z.object({
  name: z.string().regex(/^[A-Za-z0-9][\w.-]{2,127}$/, 'a trail name (3-128 letters, digits, . _ -)'),
  homeRegion: z.string().default('us-east-1'),
  s3BucketName: z.string().min(3).describe('Where the trail delivers its log files (a bucket with cloudTrailLogs holds them)'),
  s3KeyPrefix: z.string().optional(),
  isMultiRegionTrail: z.boolean().default(true),
  isOrganizationTrail: z.boolean().default(false),
  includeGlobalServiceEvents: z.boolean().default(true),
  logFileValidationEnabled: z.boolean().default(true),
  kmsKeyId: z.string().optional().describe('Key ARN: the trail encrypts its log files with SSE-KMS'),
  cloudWatchLogsLogGroupArn: z.string().optional().describe('arn:aws:logs:<region>:<account>:log-group:<name>:*'),
  cloudWatchLogsRoleArn: z.string().optional(),
  latestCloudWatchLogsDeliveryTime: fixtureDate.optional().describe('Absent with a log group: CloudTrail never delivered to it'),
  isLogging: z.boolean().default(true),
  eventSelectors: z
    .array(eventSelector)
    .default(() => [{ readWriteType: 'All' as const, includeManagementEvents: true, excludeManagementEventSources: [] }])
    .describe('Basic event selectors (management events); the default logs all management events'),
  s3DataEvents: z
    .array(z.string())
    .default([])
    .describe('Buckets whose S3 data events the trail records; "*" for every bucket; empty: management events only'),
  selectors: z.enum(['basic', 'advanced']).default('basic').describe('Whether the trail uses event selectors or advanced event selectors'),
});

export interface EventSelectorState {
  readWriteType: 'ReadOnly' | 'WriteOnly' | 'All';
  includeManagementEvents: boolean;
  excludeManagementEventSources: string[];
  dataResources: { Type: string; Values: string[] }[];
}

export interface TrailState {
  name: string;
  homeRegion: string;
  s3BucketName: string;
  s3KeyPrefix?: string;
  isMultiRegionTrail: boolean;
  isOrganizationTrail: boolean;
  includeGlobalServiceEvents: boolean;
  logFileValidationEnabled: boolean;
  kmsKeyId?: string;
  cloudWatchLogsLogGroupArn?: string;
  cloudWatchLogsRoleArn?: string;
  latestCloudWatchLogsDeliveryTime?: Date;
  isLogging: boolean;
  eventSelectors: EventSelectorState[];
  /** Advanced selectors are derived from s3DataEvents; basic ones live in eventSelectors. */
  selectors: 'basic' | 'advanced';
  s3DataEvents: string[];
}

const arnOf = (t: TrailState, accountId: string): string =>
  `${arnPrefix(t.homeRegion)}cloudtrail:${t.homeRegion}:${accountId}:trail/${t.name}`;

/** Data resources name S3 objects in the partition of the trail's region ("arn:aws-cn:s3" is every bucket in China). */
const s3DataResources = (buckets: string[], region: string): EventSelectorState['dataResources'] =>
  buckets.length === 0
    ? []
    : [{ Type: 'AWS::S3::Object', Values: buckets.map((b) => (b === '*' ? `${arnPrefix(region)}s3` : `${arnPrefix(region)}s3:::${b}/`)) }];

/** DescribeTrails' shape of a trail. */
const describe = (t: TrailState, accountId: string): Record<string, unknown> => ({
  Name: t.name,
  S3BucketName: t.s3BucketName,
  S3KeyPrefix: t.s3KeyPrefix,
  IncludeGlobalServiceEvents: t.includeGlobalServiceEvents,
  IsMultiRegionTrail: t.isMultiRegionTrail,
  HomeRegion: t.homeRegion,
  TrailARN: arnOf(t, accountId),
  LogFileValidationEnabled: t.logFileValidationEnabled,
  CloudWatchLogsLogGroupArn: t.cloudWatchLogsLogGroupArn,
  CloudWatchLogsRoleArn: t.cloudWatchLogsRoleArn,
  KmsKeyId: t.kmsKeyId,
  HasCustomEventSelectors: t.selectors === 'advanced' || t.eventSelectors.some((s) => s.dataResources.length > 0),
  HasInsightSelectors: false,
  IsOrganizationTrail: t.isOrganizationTrail,
});

/** CreateTrail's and UpdateTrail's answer: the trail without HomeRegion and the selector flags (their model has neither). */
const changed = (t: TrailState, accountId: string): Record<string, unknown> =>
  Object.fromEntries(Object.entries(describe(t, accountId)).filter(([k]) => !DESCRIBE_ONLY.has(k)));
const DESCRIBE_ONLY = new Set(['HomeRegion', 'HasCustomEventSelectors', 'HasInsightSelectors']);

const basicOut = (t: TrailState) =>
  t.eventSelectors.map((s) => ({
    ReadWriteType: s.readWriteType,
    IncludeManagementEvents: s.includeManagementEvents,
    DataResources: s.dataResources.map((r) => ({ Type: r.Type, Values: [...r.Values] })),
    ExcludeManagementEventSources: [...s.excludeManagementEventSources],
  }));

const advancedOut = (t: TrailState) => [
  { Name: 'Management events', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
  ...(t.s3DataEvents.length === 0
    ? []
    : [
        {
          Name: 'S3 data events',
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Data'] },
            { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
            ...(t.s3DataEvents.includes('*')
              ? []
              : [{ Field: 'resources.ARN', StartsWith: t.s3DataEvents.map((b) => `${arnPrefix(t.homeRegion)}s3:::${b}/`) }]),
          ],
        },
      ]),
];

const selectorsOut = (t: TrailState) =>
  t.selectors === 'advanced' ? { AdvancedEventSelectors: advancedOut(t) } : { EventSelectors: basicOut(t) };

/**
 * CloudTrail trails: settings, logging status, event selectors (basic, or advanced for S3 data events).
 * Like AWS, a multi-region trail shows in every region (a "shadow trail") but changes only from its home
 * region (InvalidHomeRegionException); a name names a trail of the caller's region, an ARN any trail.
 * Not simulated: the S3 bucket policy and KMS key policy checks CloudTrail makes on CreateTrail/UpdateTrail.
 */
export const cloudTrailTrailsModule = defineModule({
  key: 'trails',
  clientName: 'CloudTrailClient',
  fixture: z.array(trail).default([]),
  load: (fixture, now): TrailState[] =>
    fixture.map((t) => ({
      ...t,
      latestCloudWatchLogsDeliveryTime: t.latestCloudWatchLogsDeliveryTime
        ? resolveDate(t.latestCloudWatchLogsDeliveryTime, now)
        : undefined,
      s3DataEvents: [...t.s3DataEvents],
      // S3 data events ride on the first basic selector, as the console writes them.
      eventSelectors: t.eventSelectors.map((s, i) => ({
        ...s,
        excludeManagementEventSources: [...s.excludeManagementEventSources],
        dataResources: i === 0 ? s3DataResources(t.s3DataEvents, t.homeRegion) : [],
      })),
    })),
  commands: (state, now) => {
    const visible = (t: TrailState, ctx: SimContext, includeShadow = true): boolean =>
      t.homeRegion === ctx.region || (includeShadow && t.isMultiRegionTrail);
    const find = (ctx: SimContext, name: unknown): TrailState => {
      const id = String(name);
      const found = state(ctx.accountId).find((t) =>
        id.startsWith('arn:') ? arnOf(t, ctx.accountId) === id && visible(t, ctx) : t.name === id && t.homeRegion === ctx.region,
      );
      if (!found) throw new SimulatedServiceError('TrailNotFoundException', `Unknown trail: ${id} for the user: ${ctx.accountId}`);
      return found;
    };
    /** Changes are accepted only in the trail's home region. */
    const home = (ctx: SimContext, name: unknown): TrailState => {
      const t = find(ctx, name);
      if (t.homeRegion !== ctx.region) {
        throw new SimulatedServiceError(
          'InvalidHomeRegionException',
          `This operation must be called from the trail's home region ${t.homeRegion}.`,
        );
      }
      return t;
    };
    const checkCombination = (t: TrailState): void => {
      if (t.isMultiRegionTrail && !t.includeGlobalServiceEvents) {
        throw new SimulatedServiceError('InvalidParameterCombinationException', 'Multi-Region trail must include global service events.');
      }
    };
    return {
      DescribeTrails: (input, ctx) => {
        const names = (input.trailNameList ?? []) as string[];
        const includeShadow = input.includeShadowTrails !== false;
        const trails = state(ctx.accountId)
          .filter((t) => visible(t, ctx, includeShadow))
          .filter(
            (t) => names.length === 0 || names.some((n) => n === arnOf(t, ctx.accountId) || (n === t.name && t.homeRegion === ctx.region)),
          );
        return { trailList: trails.map((t) => describe(t, ctx.accountId)) };
      },
      // Every trail of the account, whatever its home region (how a caller finds single-region trails elsewhere).
      ListTrails: (_input, ctx) => ({
        Trails: state(ctx.accountId).map((t) => ({ TrailARN: arnOf(t, ctx.accountId), Name: t.name, HomeRegion: t.homeRegion })),
      }),
      GetTrailStatus: (input, ctx) => {
        const t = find(ctx, input.Name);
        return {
          IsLogging: t.isLogging,
          LatestDeliveryTime: t.isLogging ? new Date(now().getTime() - 300_000) : undefined,
          LatestCloudWatchLogsDeliveryTime: t.cloudWatchLogsLogGroupArn ? t.latestCloudWatchLogsDeliveryTime : undefined,
        };
      },
      GetEventSelectors: (input, ctx) => {
        const t = find(ctx, input.TrailName);
        return { TrailARN: arnOf(t, ctx.accountId), ...selectorsOut(t) };
      },
      UpdateTrail: (input, ctx) => {
        const t = home(ctx, input.Name);
        const next: TrailState = { ...t };
        if (typeof input.IsMultiRegionTrail === 'boolean') next.isMultiRegionTrail = input.IsMultiRegionTrail;
        if (typeof input.IncludeGlobalServiceEvents === 'boolean') next.includeGlobalServiceEvents = input.IncludeGlobalServiceEvents;
        if (typeof input.EnableLogFileValidation === 'boolean') next.logFileValidationEnabled = input.EnableLogFileValidation;
        // An empty KmsKeyId turns SSE-KMS off again (what the Terraform provider sends to remove the key).
        if (typeof input.KmsKeyId === 'string') next.kmsKeyId = input.KmsKeyId === '' ? undefined : input.KmsKeyId;
        checkCombination(next);
        Object.assign(t, next);
        return changed(t, ctx.accountId);
      },
      PutEventSelectors: (input, ctx) => {
        const t = home(ctx, input.TrailName);
        type SelectorIn = {
          ReadWriteType?: string;
          IncludeManagementEvents?: boolean;
          ExcludeManagementEventSources?: string[];
          DataResources?: { Type?: string; Values?: string[] }[];
        };
        const selectors = (input.EventSelectors ?? []) as SelectorIn[];
        if (selectors.length === 0 || selectors.length > 5)
          throw new SimulatedServiceError('InvalidEventSelectorsException', 'Between 1 and 5 event selectors are required.');
        // Basic selectors replace advanced ones, as in AWS.
        t.selectors = 'basic';
        t.eventSelectors = selectors.map((s) => ({
          readWriteType: (s.ReadWriteType ?? 'All') as EventSelectorState['readWriteType'],
          includeManagementEvents: s.IncludeManagementEvents ?? true,
          excludeManagementEventSources: [...(s.ExcludeManagementEventSources ?? [])],
          dataResources: (s.DataResources ?? []).map((r) => ({ Type: String(r.Type), Values: [...(r.Values ?? [])] })),
        }));
        return { TrailARN: arnOf(t, ctx.accountId), EventSelectors: basicOut(t) };
      },
      StartLogging: (input, ctx) => {
        home(ctx, input.Name).isLogging = true;
        return {};
      },
      StopLogging: (input, ctx) => {
        home(ctx, input.Name).isLogging = false;
        return {};
      },
      CreateTrail: (input, ctx) => {
        const name = String(input.Name);
        if (state(ctx.accountId).some((t) => t.name === name))
          throw new SimulatedServiceError('TrailAlreadyExistsException', `Trail ${name} already exists for customer: ${ctx.accountId}`);
        const created: TrailState = {
          name,
          homeRegion: ctx.region,
          s3BucketName: String(input.S3BucketName),
          s3KeyPrefix: input.S3KeyPrefix as string | undefined,
          // The API's defaults, which differ from the console's: single-region, no validation.
          isMultiRegionTrail: input.IsMultiRegionTrail === true,
          isOrganizationTrail: false,
          includeGlobalServiceEvents: input.IncludeGlobalServiceEvents !== false,
          logFileValidationEnabled: input.EnableLogFileValidation === true,
          kmsKeyId: (input.KmsKeyId as string | undefined) || undefined,
          // A new trail does not log until StartLogging, exactly as in AWS.
          isLogging: false,
          eventSelectors: [{ readWriteType: 'All', includeManagementEvents: true, excludeManagementEventSources: [], dataResources: [] }],
          selectors: 'basic',
          s3DataEvents: [],
        };
        checkCombination(created);
        state(ctx.accountId).push(created);
        return changed(created, ctx.accountId);
      },
      DeleteTrail: (input, ctx) => {
        const t = home(ctx, input.Name);
        const trails = state(ctx.accountId);
        trails.splice(trails.indexOf(t), 1);
        return {};
      },
    };
  },
  snapshot: (trails) =>
    Object.fromEntries(
      trails.map((t) => [
        `trail/${t.name}`,
        {
          multiRegion: t.isMultiRegionTrail,
          logging: t.isLogging,
          logFileValidation: t.logFileValidationEnabled,
          kmsKeyId: t.kmsKeyId ?? null,
          managementEvents:
            t.selectors === 'advanced'
              ? 'advanced'
              : t.eventSelectors.map((s) => (s.includeManagementEvents ? s.readWriteType : 'none')).join(','),
        },
      ]),
    ),
});
