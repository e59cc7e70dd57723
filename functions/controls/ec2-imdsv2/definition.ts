import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeInstancesCommand, EC2Client, ModifyInstanceMetadataOptionsCommand, type Instance } from '@aws-sdk/client-ec2';
import * as z from 'zod';
import { InvalidInputError, RemediationError, ResourceNotFoundError, VerificationFailedError } from '../../platform/errors';
import { unseenSignals } from '../../findings/evidence';
import type { ChangeRecord, Evidence, FindingRef } from '../../findings/types';
import { defineControl } from '../define-control';
import { productionAccountEvidence, productionMarker } from '../shared/production';
import { metricSums } from '../shared/metric-window';
import { startingPoint } from '../shared/retries';
import { inRegion, readSignal } from '../shared/signals';
import { targetOf, type ControlAssessment, type ControlContext } from '../types';

const DAY_MS = 86_400_000;
const DAY_S = 86_400;

const httpTokensSchema = z.enum(['optional', 'required']);
type HttpTokens = z.infer<typeof httpTokensSchema>;

/** The instance a plan changes, and (plans made since retries were made safe) its HttpTokens as assessed. */
const planSchema = z.object({ instanceId: z.string(), observed: z.object({ httpTokens: httpTokensSchema.optional() }).optional() });
type MetadataPlan = z.infer<typeof planSchema>;

/** Each side of a change record: the instance's metadata options. */
const changeSchema = z.object({ instanceId: z.string(), httpTokens: httpTokensSchema, httpEndpoint: z.enum(['enabled', 'disabled']) });
type MetadataSettings = z.infer<typeof changeSchema>;

interface NoTokenCalls {
  /** Days of the window the instance existed in (since launch or the window's start). */
  expectedDays: number;
  /** Days with a datapoint: a day without one is a day CloudWatch saw nothing (stopped, not reporting), not a day without calls. */
  days: number;
  calls: number;
  lastDay?: Date;
}

/** What the metric covers: less than this share of the window seen and IMDSv1 use cannot be ruled out (unseen). */
const MIN_COVERAGE = 0.5;

export const instanceIdOf = (finding: FindingRef): string => {
  const id = /i-[0-9a-f]{8,17}/.exec(finding.resource.canonicalId)?.[0];
  if (!id) throw new InvalidInputError(`Resource ${finding.resource.id} is not an EC2 instance`);
  return id;
};

const describeInstance = async (ec2: EC2Client, instanceId: string): Promise<Instance> => {
  try {
    const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations?.[0]?.Instances?.[0];
    if (instance && instance.State?.Name !== 'terminated') return instance;
  } catch (error) {
    if ((error as Error).name !== 'InvalidInstanceID.NotFound') throw error;
  }
  throw new ResourceNotFoundError(`EC2 instance ${instanceId} no longer exists (or is terminated)`);
};

const settingsOf = (instance: Instance): MetadataSettings => ({
  instanceId: instance.InstanceId as string,
  httpTokens: instance.MetadataOptions?.HttpTokens ?? 'optional',
  httpEndpoint: instance.MetadataOptions?.HttpEndpoint ?? 'enabled',
});

/**
 * AWS/EC2 MetadataNoToken: the instance's IMDSv1 calls (metadata requests made without a session token), summed per day over
 * the whole window (one-day periods are valid at every CloudWatch retention tier; metricSums pages past 1,440 datapoints).
 * The window starts at the later of the lookback and the instance's launch: before launch there is nothing to see.
 */
const noTokenCalls = async (cloudWatch: CloudWatchClient, instance: Instance, now: Date, days: number): Promise<NoTokenCalls> => {
  const lookbackStart = now.getTime() - days * DAY_MS;
  const launched = instance.LaunchTime ? new Date(instance.LaunchTime).getTime() : lookbackStart;
  const start = new Date(Math.max(lookbackStart, launched));
  const { datapoints } = await metricSums(
    cloudWatch,
    { namespace: 'AWS/EC2', metricName: 'MetadataNoToken', dimensions: [{ Name: 'InstanceId', Value: instance.InstanceId as string }] },
    start,
    now,
    DAY_S,
  );
  const used = datapoints.filter((p) => (p.Sum ?? 0) > 0 && p.Timestamp).map((p) => new Date(p.Timestamp as Date).getTime());
  return {
    expectedDays: Math.max(1, Math.ceil((now.getTime() - start.getTime()) / DAY_MS)),
    days: datapoints.length,
    calls: datapoints.reduce((total, p) => total + (p.Sum ?? 0), 0),
    lastDay: used.length > 0 ? new Date(Math.max(...used)) : undefined,
  };
};

async function assess(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment<MetadataPlan>> {
  const target = targetOf(finding);
  const instanceId = instanceIdOf(finding);
  const instance = await describeInstance(ctx.clients.at(EC2Client, target), instanceId);
  const settings = settingsOf(instance);
  const state = instance.State?.Name ?? 'unknown';
  const evidence: Evidence[] = [
    {
      fact:
        `Instance ${instanceId} is ${state}; HttpTokens=${settings.httpTokens}, HttpEndpoint=${settings.httpEndpoint}, ` +
        `hop limit ${instance.MetadataOptions?.HttpPutResponseHopLimit ?? 'unknown'}.`,
      source: 'ec2:DescribeInstances',
    },
  ];
  if (settings.httpTokens === 'required') return { risk: 'low', riskReason: `Instance ${instanceId} already requires IMDSv2`, evidence };

  const { lookbackDays } = ctx.config.thresholds;
  const metric = {
    source: 'cloudwatch:GetMetricStatistics AWS/EC2 MetadataNoToken',
    where: inRegion(target.accountId, target.region),
    window: `last ${lookbackDays} days, daily sums`,
  };
  const read = await readSignal({ ...metric, what: `the MetadataNoToken metric of ${instanceId}` }, () =>
    noTokenCalls(ctx.clients.at(CloudWatchClient, target), instance, ctx.now(), lookbackDays),
  );
  const highReasons: string[] = [];
  if (!read.seen) evidence.push(read.evidence);
  else {
    const usage = read.value;
    const gap = usage.expectedDays - usage.days;
    if (usage.calls > 0) {
      evidence.push({
        ...metric,
        fact:
          `${usage.calls} IMDSv1 calls (MetadataNoToken) from ${instanceId} in the last ${lookbackDays} days, the latest on ` +
          `${usage.lastDay?.toISOString().slice(0, 10)}: software on it still reads metadata without a token.`,
      });
      highReasons.push(
        `software on ${instanceId} made ${usage.calls} IMDSv1 calls in the last ${lookbackDays} days; requiring IMDSv2 breaks it`,
      );
    } else if (usage.days === 0) {
      // No datapoint at all: the metric is missing (a running instance) or the instance never ran in the window.
      evidence.push({
        ...metric,
        fact:
          `CloudWatch has no MetadataNoToken datapoint for ${instanceId} (${state}) in the last ${lookbackDays} days: ` +
          `${state === 'running' ? 'the metric is missing' : 'the instance did not run'}, so IMDSv1 use is not seen.`,
        unseen: true,
      });
    } else if (usage.days < usage.expectedDays * MIN_COVERAGE) {
      evidence.push({
        ...metric,
        fact:
          `MetadataNoToken covers only ${usage.days} of the ${usage.expectedDays} day(s) ${instanceId} existed in the window ` +
          `(stopped or not reporting the rest); no IMDSv1 calls on those days, but what runs on the other ${gap} is not seen.`,
        unseen: true,
      });
    } else {
      const partial = gap > 0 ? ` (no data on ${gap} day(s): stopped or not reporting)` : '';
      evidence.push({
        ...metric,
        fact:
          `No IMDSv1 calls (MetadataNoToken sum 0) from ${instanceId} over ${usage.days} of ${usage.expectedDays} day(s) of the ` +
          `window${partial}.`,
      });
    }
  }
  const tags = Object.fromEntries((instance.Tags ?? []).filter((t) => t.Key).map((t) => [t.Key as string, t.Value ?? '']));
  const marker = productionMarker(tags, ctx.config);
  if (marker) {
    evidence.push({ fact: `Instance ${instanceId} is tagged ${marker}.`, source: 'ec2:DescribeInstances' });
    highReasons.push(`instance ${instanceId} is tagged ${marker}`);
  }
  const productionAccount = productionAccountEvidence(finding.accountId, ctx.config);
  evidence.push(...productionAccount);
  if (productionAccount.length > 0) highReasons.push(`account ${finding.accountId} is production`);

  const plan = {
    summary: `Require IMDSv2 on instance ${instanceId} (HttpTokens=required; HttpEndpoint stays ${settings.httpEndpoint})`,
    steps: [`ec2:ModifyInstanceMetadataOptions InstanceId=${instanceId} HttpTokens=required HttpEndpoint=${settings.httpEndpoint}`],
    reversible: true,
    // observed: what the plan replaces; a retry that finds IMDSv2 required already records it as `before` (types.ts).
    parameters: { instanceId, observed: { httpTokens: settings.httpTokens } },
  };
  if (highReasons.length > 0)
    return { risk: 'high', riskReason: `Requiring IMDSv2 could break ${instanceId}: ${highReasons.join('; ')}`, evidence, plan };
  const unseen = unseenSignals(evidence);
  if (unseen.length > 0)
    return { risk: 'unknown', riskReason: `IMDSv1 use of ${instanceId} is not seen: ${unseen.join(' ')}`, evidence, plan };
  return { risk: 'low', riskReason: `No IMDSv1 calls from ${instanceId} in ${lookbackDays} days and no production marker`, evidence, plan };
}

/**
 * Sets HttpTokens and records the previous settings; HttpEndpoint is sent as it was, so it is never switched on or off.
 * HttpTokens already as wanted is recorded as `startedFrom` says it was before the first attempt (types.ts, rule 2).
 */
const setHttpTokens = async (
  finding: FindingRef,
  instanceId: string,
  httpTokens: HttpTokens,
  ctx: ControlContext,
  startedFrom: HttpTokens | undefined,
): Promise<ChangeRecord<MetadataSettings>> => {
  const ec2 = ctx.clients.at(EC2Client, targetOf(finding));
  const live = settingsOf(await describeInstance(ec2, instanceId));
  const before: MetadataSettings = { ...live, httpTokens: startingPoint(live.httpTokens, httpTokens, startedFrom) };
  if (live.httpTokens !== httpTokens) {
    try {
      const options = { InstanceId: instanceId, HttpTokens: httpTokens, HttpEndpoint: live.httpEndpoint };
      await ec2.send(new ModifyInstanceMetadataOptionsCommand(options));
    } catch (error) {
      throw new RemediationError(
        `Setting HttpTokens=${httpTokens} on ${instanceId} failed (${(error as Error).name}: ${(error as Error).message}); nothing ` +
          `was changed`,
        { cause: error },
      );
    }
  }
  return {
    summary:
      before.httpTokens === httpTokens
        ? `Instance ${instanceId} already had HttpTokens=${httpTokens}`
        : `Set HttpTokens=${httpTokens} on instance ${instanceId} (was ${before.httpTokens})`,
    before: { ...before },
    after: { ...before, httpTokens },
    changedAt: ctx.now().toISOString(),
    reversible: true,
  };
};

export const ec2Imdsv2 = defineControl({
  id: 'ec2-imdsv2',
  title: 'EC2 instances require IMDSv2',
  ids: ['EC2.8'],
  cisRefs: ['3.0.0/5.6', '5.0.0/5.7'],
  resourceTypes: ['AwsEc2Instance'],
  assesses:
    'The instance\u2019s MetadataNoToken metric (IMDSv1 calls) over the lookback, its state and metadata options, production tags ' +
    'and accounts',
  changes: 'Sets HttpTokens=required on the instance (HttpEndpoint left as it was)',
  reversible: true,
  automation: 'automated',
  defaultMode: 'on-request',
  signals: [
    {
      signal: 'IMDSv1 calls of the instance (AWS/EC2 MetadataNoToken), daily sums over the whole lookback since launch',
      source:
        'cloudwatch:GetMetricStatistics in the instance\u2019s region; one-day periods (valid at every retention tier), paged at ' +
        '1,440 datapoints',
      blindSpots:
        'Days the instance was stopped or not reporting (said; under half the window seen is unseen); calls older than the lookback; ' +
        'containers sharing the host\u2019s IMDS are one instance',
      whenMissing:
        'No datapoint at all (missing metric, or the instance did not run) or under half the window: an unseen line, risk unknown, a ' +
        'person decides',
    },
    {
      signal: 'State, metadata options and production tags of the instance',
      source: 'ec2:DescribeInstances in the finding\u2019s account and region, current configuration',
      blindSpots: 'Nothing beyond the instance itself',
      whenMissing: 'The read fails the assessment: nothing is changed and the finding is annotated with what failed',
    },
  ],
  planSchema,
  changeSchema,
  permissions: {
    // cloudwatch:GetMetricStatistics: the AWS/EC2 MetadataNoToken metric (IMDSv1 calls still made).
    assess: ['ec2:DescribeInstances', 'cloudwatch:GetMetricStatistics'],
    verify: ['ec2:DescribeInstances'],
    remediate: ['ec2:DescribeInstances', 'ec2:ModifyInstanceMetadataOptions'],
    rollback: ['ec2:DescribeInstances', 'ec2:ModifyInstanceMetadataOptions'],
  },
  assess,
  remediate: (finding, { parameters: p }, ctx) => setHttpTokens(finding, p.instanceId, 'required', ctx, p.observed?.httpTokens),
  async verify(finding, change, ctx) {
    const instanceId = change.after.instanceId;
    const options = (await describeInstance(ctx.clients.at(EC2Client, targetOf(finding)), instanceId)).MetadataOptions;
    if (options?.HttpTokens !== 'required')
      throw new VerificationFailedError(`Instance ${instanceId} still has HttpTokens=${options?.HttpTokens ?? 'unknown'}`);
    if (options.State !== 'applied') {
      const state = options.State ?? 'not applied';
      throw new VerificationFailedError(`Instance ${instanceId} has HttpTokens=required but the change is still ${state}`);
    }
    return `EC2 reports HttpTokens=required (applied) on ${instanceId}, HttpEndpoint=${options.HttpEndpoint ?? 'unknown'}`;
  },
  rollback: (finding, { before, after }, ctx) => setHttpTokens(finding, before.instanceId, before.httpTokens, ctx, after.httpTokens),
});

export default ec2Imdsv2;
