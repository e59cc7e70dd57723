import type { Instance } from '@aws-sdk/client-ec2';
import {
  GetAccessKeyLastUsedCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUserTagsCommand,
  UpdateAccessKeyCommand,
  type AccessKeyMetadata,
} from '@aws-sdk/client-iam';
import * as z from 'zod';
import { InvalidInputError, RemediationError, ResourceNotFoundError, VerificationFailedError } from '../../platform/errors';
import type { ChangeRecord, Evidence, FindingRef, Plan } from '../../findings/types';
import { defineControl } from '../define-control';
import { productionMarker, type Tags } from '../shared/production';
import { startingPoint } from '../shared/retries';
import { targetOf, type ControlAssessment, type ControlContext } from '../types';
import type { Target } from '../../platform/clients';

const DAY_MS = 86_400_000;
/** IAM.3 / CIS 1.14: active keys must be rotated within 90 days. */
const ROTATION_DAYS = 90;
/** IAM.8 / CIS 1.2.0 1.3: credentials unused for 90 days. IAM.22 (CIS 1.12) uses the configured days (45). */
const IAM8_UNUSED_DAYS = 90;
/** CloudTrail LookupEvents returns at most 50 events a page; one page is enough to characterise the callers. */
const TRAIL_EVENTS = 50;

/** The keys a plan deactivates; `observed` (plans made since retries were made safe): their statuses as assessed. */
const planSchema = z.object({
  userName: z.string(),
  accessKeyIds: z.array(z.string()).min(1),
  observed: z.object({ statuses: z.record(z.string(), z.string()) }).optional(),
});
type KeyPlan = z.infer<typeof planSchema>;

/** Each side of a change record: the user and the status of each key it set. */
const changeSchema = z.object({ userName: z.string(), statuses: z.record(z.string(), z.string()) });
type KeyChange = z.infer<typeof changeSchema>;

interface KeyUsage {
  accessKeyId: string;
  createDate: Date;
  lastUsedDate?: Date;
  lastUsedService?: string;
  lastUsedRegion?: string;
}

interface TrailSummary {
  events: number;
  services: string[];
  sourceIps: string[];
  userAgents: string[];
}

const daysBetween = (from: Date, to: Date): number => Math.floor((to.getTime() - from.getTime()) / DAY_MS);

/** "3 hours ago", "12 days ago": a key used an hour ago must not read "0 days ago" to an approver. */
const ago = (date: Date, now: Date): string => {
  const hours = Math.floor((now.getTime() - date.getTime()) / 3_600_000);
  if (hours < 1) return 'less than an hour ago';
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'} ago`;
  return `${daysBetween(date, now)} days ago`;
};

/**
 * The IAM user a finding is about: from its canonical resource, a user ARN without path (canonical-resource.ts
 * builds it from an access-key finding's details when the resource id names no user, and refuses a finding
 * whose id and details name different users).
 */
export const userNameOf = (finding: FindingRef): string => {
  const match = /^arn:aws[\w-]*:iam::\d{12}:user\/([\w+=,.@-]+)$/.exec(finding.resource.canonicalId);
  if (match) return match[1];
  if (finding.resource.type === 'AwsIamAccessKey')
    throw new InvalidInputError(`Access-key finding ${finding.id} does not name the key's user`);
  throw new InvalidInputError(`Resource ${finding.resource.canonicalId} is not an IAM user ARN`);
};

/** For an access-key finding, the one key it names; otherwise every key of the user is in scope. */
const keyNamedBy = (finding: FindingRef): string | undefined => {
  const details = finding.resource.details?.AwsIamAccessKey as { AccessKeyId?: string } | undefined;
  return details?.AccessKeyId ?? /(AKIA|ASIA)[A-Z0-9]{12,}/.exec(finding.resource.id)?.[0];
};

/** Which active keys make this control fail, and why. */
const offends = (controlId: string, key: KeyUsage, now: Date, unusedKeyDays: number): string | undefined => {
  const age = daysBetween(key.createDate, now);
  const idle = key.lastUsedDate ? daysBetween(key.lastUsedDate, now) : age;
  if (controlId === 'IAM.3') return age > ROTATION_DAYS ? `created ${age} days ago (limit ${ROTATION_DAYS})` : undefined;
  const limit = controlId === 'IAM.8' ? IAM8_UNUSED_DAYS : unusedKeyDays;
  if (idle <= limit) return undefined;
  return key.lastUsedDate ? `last used ${idle} days ago (limit ${limit})` : `never used, created ${age} days ago (limit ${limit})`;
};

const describeUse = (key: KeyUsage, now: Date): string =>
  key.lastUsedDate
    ? `Key ${key.accessKeyId} was last used ${ago(key.lastUsedDate, now)} (${key.lastUsedDate.toISOString().slice(0, 16).replace('T', ' ')} UTC) ` +
      `to call ${key.lastUsedService ?? 'an unknown service'} in ${key.lastUsedRegion ?? 'an unknown region'}.`
    : `Key ${key.accessKeyId} has never been used.`;

const summarizeTrail = (events: { CloudTrailEvent?: string; EventSource?: string }[]): TrailSummary => {
  const services = new Set<string>();
  const sourceIps = new Set<string>();
  const userAgents = new Set<string>();
  for (const event of events) {
    if (event.EventSource) services.add(event.EventSource.replace('.amazonaws.com', ''));
    try {
      const detail = JSON.parse(event.CloudTrailEvent ?? '{}') as { sourceIPAddress?: string; userAgent?: string };
      if (detail.sourceIPAddress) sourceIps.add(detail.sourceIPAddress);
      if (detail.userAgent) userAgents.add(detail.userAgent.slice(0, 80));
    } catch {
      // A malformed event record still counts as a call; its caller is simply unknown.
    }
  }
  return { events: events.length, services: [...services], sourceIps: [...sourceIps], userAgents: [...userAgents] };
};

const isPrivateIp = (ip: string): boolean => /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(ip);
const isIpv4 = (ip: string): boolean => /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);
const tagsOf = (list: { Key?: string; Value?: string }[] | undefined): Tags =>
  Object.fromEntries((list ?? []).filter((t) => t.Key).map((t) => [t.Key as string, t.Value ?? '']));

/** The instances in this account whose private or public address made the calls. */
const callerInstances = async (ctx: ControlContext, target: Target, ips: string[]): Promise<Instance[]> => {
  // Loaded here, not at the top: only Assess reads EC2 (and only after CloudTrail named callers), so Remediate and Verify never load it.
  const { DescribeInstancesCommand, EC2Client } = await import('@aws-sdk/client-ec2');
  const ec2 = ctx.clients.at(EC2Client, target);
  const v4 = ips.filter(isIpv4);
  const byFilter = [
    { Name: 'private-ip-address', Values: v4.filter(isPrivateIp) },
    { Name: 'ip-address', Values: v4.filter((ip) => !isPrivateIp(ip)) },
  ].filter((filter) => filter.Values.length > 0);
  const pages = await Promise.all(byFilter.map((filter) => ec2.send(new DescribeInstancesCommand({ Filters: [filter], MaxResults: 50 }))));
  return pages.flatMap((page) => (page.Reservations ?? []).flatMap((r) => r.Instances ?? []));
};

const listKeys = async (iam: IAMClient, userName: string): Promise<AccessKeyMetadata[]> => {
  try {
    return (await iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? [];
  } catch (error) {
    if ((error as Error).name === 'NoSuchEntityException') {
      throw new ResourceNotFoundError(`IAM user ${userName} no longer exists`, { cause: error });
    }
    throw error;
  }
};

async function assess(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment<KeyPlan>> {
  const target = targetOf(finding);
  const iam = ctx.clients.at(IAMClient, target);
  const now = ctx.now();
  const { unusedKeyDays, lookbackDays } = ctx.config.thresholds;
  const userName = userNameOf(finding);
  const namedKey = keyNamedBy(finding);

  const [keys, userTags] = await Promise.all([
    listKeys(iam, userName),
    ctx.resourceTags ?? iam.send(new ListUserTagsCommand({ UserName: userName })).then((r) => tagsOf(r.Tags)),
  ]);
  const activeKeys = keys.filter((k) => k.Status === 'Active' && (!namedKey || k.AccessKeyId === namedKey));
  const usage: KeyUsage[] = await Promise.all(
    activeKeys.map(async (k) => {
      const used = (await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: k.AccessKeyId }))).AccessKeyLastUsed;
      return {
        accessKeyId: k.AccessKeyId as string,
        createDate: new Date(k.CreateDate as Date),
        lastUsedDate: used?.LastUsedDate ? new Date(used.LastUsedDate) : undefined,
        lastUsedService: used?.ServiceName === 'N/A' ? undefined : used?.ServiceName,
        lastUsedRegion: used?.Region === 'N/A' ? undefined : used?.Region,
      };
    }),
  );
  const offending = usage
    .map((key) => ({ key, why: offends(finding.controlId, key, now, unusedKeyDays) }))
    .filter((entry): entry is { key: KeyUsage; why: string } => entry.why !== undefined);

  const evidence: Evidence[] = [
    {
      fact: `IAM user ${userName} has ${keys.length} access key(s), ${activeKeys.length} active${namedKey ? ` (the finding names ${namedKey})` : ''}.`,
      source: 'iam:ListAccessKeys',
    },
  ];
  if (offending.length === 0) {
    return { risk: 'low', riskReason: `No active key of ${userName} fails ${finding.controlId} any more`, evidence };
  }

  // Only Assess reads CloudTrail: loaded on its first use, so Remediate and Verify never load it.
  const { CloudTrailClient, LookupEventsCommand } = await import('@aws-sdk/client-cloudtrail');
  const trail = ctx.clients.at(CloudTrailClient, target);
  const since = new Date(now.getTime() - lookbackDays * DAY_MS);
  const highReasons: string[] = [];
  for (const { key, why } of offending) {
    evidence.push({ fact: `Key ${key.accessKeyId} fails ${finding.controlId}: ${why}.`, source: 'iam:ListAccessKeys' });
    evidence.push({ fact: describeUse(key, now), source: 'iam:GetAccessKeyLastUsed' });
    if (key.lastUsedDate && daysBetween(key.lastUsedDate, now) <= unusedKeyDays) {
      highReasons.push(`key ${key.accessKeyId} was used ${ago(key.lastUsedDate, now)}`);
    }
    const events = await trail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: key.accessKeyId }],
        StartTime: since,
        EndTime: now,
        MaxResults: TRAIL_EVENTS,
      }),
    );
    const summary = summarizeTrail(events.Events ?? []);
    if (summary.events === 0) {
      evidence.push({
        fact: `No CloudTrail management events made with ${key.accessKeyId} in the last ${lookbackDays} days.`,
        source: 'cloudtrail:LookupEvents',
      });
      continue;
    }
    evidence.push({
      fact:
        `${summary.events}${summary.events === TRAIL_EVENTS ? '+' : ''} CloudTrail events with ${key.accessKeyId} in the last ${lookbackDays} days: ` +
        `services ${summary.services.join(', ')}; from ${summary.sourceIps.join(', ')}; user agents ${summary.userAgents.join(' | ')}.`,
      source: 'cloudtrail:LookupEvents',
    });
    highReasons.push(`key ${key.accessKeyId} made ${summary.events} API calls in the last ${lookbackDays} days`);
    for (const instance of await callerInstances(ctx, target, summary.sourceIps)) {
      const marker = productionMarker(tagsOf(instance.Tags), ctx.config);
      evidence.push({
        fact: `Calls came from instance ${instance.InstanceId} (${instance.State?.Name ?? 'unknown state'})${marker ? `, tagged ${marker}` : ''}.`,
        source: 'ec2:DescribeInstances',
      });
      if (marker) highReasons.push(`a production instance (${instance.InstanceId}) uses the key`);
    }
  }

  const userMarker = productionMarker(userTags, ctx.config);
  if (userMarker) {
    evidence.push({ fact: `User ${userName} is tagged ${userMarker}.`, source: 'iam:ListUserTags' });
    highReasons.push(`user ${userName} is tagged ${userMarker}`);
  }
  if (ctx.config.production.accountIds.includes(finding.accountId)) {
    evidence.push({
      fact: `Account ${finding.accountId} is listed as production in the hubfix configuration.`,
      source: 'hubfix config production.accountIds',
    });
    highReasons.push(`account ${finding.accountId} is production`);
  }

  const keyIds = offending.map((o) => o.key.accessKeyId);
  const plan: Plan<KeyPlan> = {
    summary: `Deactivate access key${keyIds.length > 1 ? 's' : ''} ${keyIds.join(', ')} of IAM user ${userName} (set Inactive, not deleted)`,
    steps: keyIds.map((id) => `iam:UpdateAccessKey UserName=${userName} AccessKeyId=${id} Status=Inactive`),
    reversible: true,
    // observed: what the plan replaces; a retry that finds a key Inactive already records it as `before` (types.ts).
    parameters: { userName, accessKeyIds: keyIds, observed: { statuses: Object.fromEntries(keyIds.map((id) => [id, 'Active'])) } },
  };
  return highReasons.length > 0
    ? { risk: 'high', riskReason: `Deactivating could break a caller: ${highReasons.join('; ')}`, evidence, plan }
    : { risk: 'low', riskReason: `No recent use and no production marker for ${keyIds.join(', ')}`, evidence, plan };
}

/** The user and keys a step works on. */
interface KeySet {
  userName: string;
  accessKeyIds: string[];
}

const keySet = (userName: string, accessKeyIds: string[]): KeySet => {
  if (accessKeyIds.length === 0) throw new InvalidInputError('The plan does not name a user and the keys to deactivate');
  return { userName, accessKeyIds };
};

const statusesOf = async (iam: IAMClient, plan: KeySet): Promise<Record<string, string>> => {
  const keys = await listKeys(iam, plan.userName);
  return Object.fromEntries(
    plan.accessKeyIds.map((id) => {
      const key = keys.find((k) => k.AccessKeyId === id);
      if (!key) throw new ResourceNotFoundError(`Access key ${id} of ${plan.userName} no longer exists`);
      return [id, key.Status as string];
    }),
  );
};

/**
 * Sets each key to `status`, recording what it was; a failure part-way says exactly what did change. A key already at
 * `status` is recorded as `startedFrom` says it was before the first attempt (types.ts, rule 2), so a retried step
 * returns the record of one clean run.
 */
const setKeyStatus = async (
  iam: IAMClient,
  plan: KeySet,
  status: 'Active' | 'Inactive',
  now: Date,
  startedFrom: Record<string, string>,
): Promise<ChangeRecord<KeyChange>> => {
  const live = await statusesOf(iam, plan);
  const before = Object.fromEntries(plan.accessKeyIds.map((id) => [id, startingPoint(live[id], status, startedFrom[id])]));
  const done: string[] = [];
  for (const id of plan.accessKeyIds.filter((keyId) => live[keyId] !== status)) {
    try {
      await iam.send(new UpdateAccessKeyCommand({ UserName: plan.userName, AccessKeyId: id, Status: status }));
      done.push(id);
    } catch (error) {
      const already = done.length > 0 ? `already set ${done.join(', ')} to ${status}` : 'nothing was changed';
      throw new RemediationError(`Setting ${id} to ${status} failed (${(error as Error).name}: ${(error as Error).message}); ${already}`, {
        cause: error,
      });
    }
  }
  const changed = plan.accessKeyIds.filter((id) => before[id] !== status);
  return {
    summary:
      changed.length > 0
        ? `Set access key${changed.length > 1 ? 's' : ''} ${changed.join(', ')} of ${plan.userName} to ${status}`
        : `Access keys ${plan.accessKeyIds.join(', ')} of ${plan.userName} were already ${status}`,
    before: { userName: plan.userName, statuses: before },
    after: { userName: plan.userName, statuses: Object.fromEntries(plan.accessKeyIds.map((id) => [id, status])) },
    changedAt: now.toISOString(),
    reversible: true,
  };
};

export const iamAccessKeys = defineControl({
  id: 'iam-access-keys',
  title: 'IAM user access keys: rotated and in use',
  ids: ['IAM.3', 'IAM.8', 'IAM.22'],
  cisRefs: ['1.2.0/1.3', '1.2.0/1.4', '1.4.0/1.12', '1.4.0/1.14', '3.0.0/1.12', '3.0.0/1.14'],
  resourceTypes: ['AwsIamUser', 'AwsIamAccessKey'],
  assesses:
    'Key age, GetAccessKeyLastUsed, CloudTrail calls made with the key (services, source IPs, user agents), the instances ' +
    'behind those IPs, production tags on the user and instances, production accounts',
  changes: 'Deactivates the offending access keys (never deletes them)',
  reversible: true,
  automation: 'automated',
  defaultMode: 'auto',
  signals: [
    {
      signal: 'When and where the key was last used',
      source: 'iam:GetAccessKeyLastUsed (global)',
      blindSpots: 'Calls before the last one; data-plane calls are included only by service and region',
      whenMissing: 'The read fails the assessment: nothing is changed and the finding is annotated with what failed',
    },
    {
      signal: 'API calls made with the key: services, source IPs, user agents',
      source: 'cloudtrail:LookupEvents in the finding\u2019s region over the lookback (management events)',
      blindSpots:
        'Other regions; data events (S3 objects, DynamoDB items, SQS messages): being widened to every region and a data-event source (issue 13 item 1-2)',
      whenMissing: 'The read fails the assessment: nothing is changed and the finding is annotated with what failed',
    },
    {
      signal: 'Instances behind the calling IPs, production tags of the user and instances, production accounts',
      source: 'ec2:DescribeInstances, iam:ListUserTags, configuration',
      blindSpots: 'Callers outside EC2 (on-premises, other clouds, Lambda, containers)',
      whenMissing: 'The read fails the assessment: nothing is changed and the finding is annotated with what failed',
    },
  ],
  planSchema,
  changeSchema,
  permissions: {
    // ec2:DescribeInstances: which instances (by source IP in CloudTrail) still use the key.
    assess: ['iam:ListAccessKeys', 'iam:ListUserTags', 'iam:GetAccessKeyLastUsed', 'cloudtrail:LookupEvents', 'ec2:DescribeInstances'],
    verify: ['iam:ListAccessKeys'],
    remediate: ['iam:ListAccessKeys', 'iam:UpdateAccessKey'],
    rollback: ['iam:ListAccessKeys', 'iam:UpdateAccessKey'],
  },
  assess,
  resourceTags: async (finding, ctx) =>
    tagsOf((await ctx.clients.at(IAMClient, targetOf(finding)).send(new ListUserTagsCommand({ UserName: userNameOf(finding) }))).Tags),
  remediate: (finding, { parameters: p }, ctx) => {
    const iam = ctx.clients.at(IAMClient, targetOf(finding));
    return setKeyStatus(iam, keySet(p.userName, p.accessKeyIds), 'Inactive', ctx.now(), p.observed?.statuses ?? {});
  },
  async verify(finding, change, ctx) {
    const plan = keySet(change.after.userName, Object.keys(change.after.statuses));
    const statuses = await statusesOf(ctx.clients.at(IAMClient, targetOf(finding)), plan);
    const stillActive = plan.accessKeyIds.filter((id) => statuses[id] !== 'Inactive');
    if (stillActive.length > 0) {
      throw new VerificationFailedError(`Access key ${stillActive.join(', ')} of ${plan.userName} is still ${statuses[stillActive[0]]}`);
    }
    return `IAM reports ${plan.accessKeyIds.join(', ')} of ${plan.userName} as Inactive`;
  },
  rollback(finding, change, ctx) {
    const before = change.before.statuses;
    const wereActive = Object.keys(before).filter((id) => before[id] === 'Active');
    const iam = ctx.clients.at(IAMClient, targetOf(finding));
    return setKeyStatus(iam, keySet(change.before.userName, wereActive), 'Active', ctx.now(), change.after.statuses);
  },
});

export default iamAccessKeys;
