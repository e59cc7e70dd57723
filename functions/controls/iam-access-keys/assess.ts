import { DescribeInstancesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { GetAccessKeyLastUsedCommand, GetUserCommand, IAMClient, ListUserTagsCommand } from '@aws-sdk/client-iam';
import type { Evidence, FindingRef, Plan } from '../../findings/types';
import { unseenSignals } from '../../findings/evidence';
import { enabledRegions } from '../shared/enabled-regions';
import { productionAccountEvidence, productionMarker } from '../shared/production';
import { readTrailLogs } from '../shared/trail-log-records';
import { targetOf, type ControlAssessment, type ControlContext } from '../types';
import { accessAdvisor, managementCalls, type KeyCall } from './key-usage';
import { listKeys, tagsOf, userNameOf, type KeyPlan } from './keys';

/**
 * The assessment of IAM.3/8/22: how recently and from where each offending key was used, in every enabled region, on the
 * data plane and by the access advisor. Loaded only by Assess (definition.ts imports it lazily).
 */

const DAY_MS = 86_400_000;
/** IAM.3 / CIS 1.14: active keys must be rotated within 90 days. */
const ROTATION_DAYS = 90;
/** IAM.8 / CIS 1.2.0 1.3: credentials unused for 90 days. IAM.22 (CIS 1.12) uses the configured days (45). */
const IAM8_UNUSED_DAYS = 90;

interface KeyUsage {
  accessKeyId: string;
  createDate: Date;
  lastUsedDate?: Date;
  lastUsedService?: string;
  lastUsedRegion?: string;
}

const daysBetween = (from: Date, to: Date): number => Math.floor((to.getTime() - from.getTime()) / DAY_MS);
const day = (date: Date): string => date.toISOString().slice(0, 10);
const minute = (date: Date): string => date.toISOString().slice(0, 16).replace('T', ' ');

/** "3 hours ago", "12 days ago": a key used an hour ago must not read "0 days ago" to an approver. */
const ago = (date: Date, now: Date): string => {
  const hours = Math.floor((now.getTime() - date.getTime()) / 3_600_000);
  if (hours < 1) return 'less than an hour ago';
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'} ago`;
  return `${daysBetween(date, now)} days ago`;
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
    ? `Key ${key.accessKeyId} was last used ${ago(key.lastUsedDate, now)} (${minute(key.lastUsedDate)} UTC) ` +
      `to call ${key.lastUsedService ?? 'an unknown service'} in ${key.lastUsedRegion ?? 'an unknown region'}.`
    : `Key ${key.accessKeyId} has never been used.`;

const distinct = (values: (string | undefined)[], max = 5): string => {
  const set = [...new Set(values.filter((v): v is string => Boolean(v)))];
  return set.length === 0 ? 'unknown' : `${set.slice(0, max).join(', ')}${set.length > max ? ` and ${set.length - max} more` : ''}`;
};

/** "12 calls (PutItem, SendMessage) to dynamodb, sqs; from 10.0.1.25; user agents aws-sdk-java/2.25.0" */
const describeCalls = (calls: KeyCall[], more = false): string =>
  `${calls.length}${more ? '+' : ''} call(s) (${distinct(calls.map((c) => c.eventName))}) to ${distinct(calls.map((c) => c.service))}; ` +
  `newest ${minute(calls[0].time)} UTC; from ${distinct(calls.map((c) => c.sourceIp))}; user agents ${distinct(
    calls.map((c) => c.userAgent),
    3,
  )}`;

const isPrivateIp = (ip: string): boolean => /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(ip);
const isIpv4 = (ip: string): boolean => /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);

/** The instances in this account, in the region each call was made in, whose private or public address made the calls. */
const callerInstances = async (ctx: ControlContext, accountId: string, calls: KeyCall[]): Promise<Instance[]> => {
  const byRegion = new Map<string, string[]>();
  for (const call of calls)
    if (call.sourceIp && isIpv4(call.sourceIp)) byRegion.set(call.region, [...(byRegion.get(call.region) ?? []), call.sourceIp]);
  const pages = await Promise.all(
    [...byRegion].flatMap(([region, ips]) =>
      [
        { Name: 'private-ip-address', Values: [...new Set(ips.filter(isPrivateIp))] },
        { Name: 'ip-address', Values: [...new Set(ips.filter((ip) => !isPrivateIp(ip)))] },
      ]
        .filter((filter) => filter.Values.length > 0)
        .map((filter) =>
          ctx.clients.at(EC2Client, { accountId, region }).send(new DescribeInstancesCommand({ Filters: [filter], MaxResults: 50 })),
        ),
    ),
  );
  return pages.flatMap((page) => (page.Reservations ?? []).flatMap((r) => r.Instances ?? []));
};

/** What the data plane shows for a key: read from the source, settled without it, or not visible. */
const dataPlaneEvidence = async (
  key: KeyUsage,
  inUse: boolean,
  ctx: ControlContext,
  scope: { accountId: string; regions: string[]; since: Date; now: Date; window: string },
): Promise<{ evidence: Evidence; calls: KeyCall[] }> => {
  const source = ctx.config.usage.dataEventSource;
  const what = `Data-plane calls with ${key.accessKeyId} (S3 objects, DynamoDB items, SQS messages, Lambda invocations…)`;
  const base = { source: source ? 's3:ListBucket, s3:GetObject' : 'hubfix config usage.dataEventSource', window: scope.window };
  if (!inUse) {
    // GetAccessKeyLastUsed covers every signed request: with no use in the window, no data-plane call was made in it.
    const unread = source ? 'were not read (not needed)' : 'were not visible (no data-event source is configured)';
    return {
      evidence: {
        ...base,
        fact:
          `${what} ${unread}; none can have happened in the window: IAM records no use of the key in it (GetAccessKeyLastUsed ` +
          `covers every signed request).`,
      },
      calls: [],
    };
  }
  if (!source) {
    return {
      evidence: {
        ...base,
        fact: `${what} were not visible: no data-event source is configured (usage.dataEventSource), and the key is in use.`,
        unseen: true,
      },
      calls: [],
    };
  }
  const read = await readTrailLogs(ctx.clients, source, {
    accountId: scope.accountId,
    regions: scope.regions,
    since: scope.since,
    now: scope.now,
    maxFiles: ctx.config.usage.maxLogFiles,
    keep: (r) => r.userIdentity?.accessKeyId === key.accessKeyId && r.eventCategory === 'Data',
  });
  if (!read.available) return { evidence: { ...base, fact: `${what} were not visible: ${read.reason}.`, unseen: true }, calls: [] };
  const calls: KeyCall[] = read.records
    .map((r) => ({
      time: new Date(r.eventTime),
      region: r.awsRegion ?? 'unknown',
      service: (r.eventSource ?? 'unknown').replace('.amazonaws.com', ''),
      eventName: r.eventName,
      sourceIp: r.sourceIPAddress,
      userAgent: r.userAgent?.slice(0, 80),
    }))
    .sort((a, b) => b.time.getTime() - a.time.getTime());
  const cap = read.capped ? `; only the newest ${read.files} log files were read (usage.maxLogFiles)` : '';
  const where = `${read.where}, ${scope.regions.length} region(s)`;
  if (calls.length > 0) return { evidence: { ...base, where, fact: `${what}: ${describeCalls(calls)}${cap}.` }, calls };
  return {
    evidence: { ...base, where, fact: `${what}: none in ${read.files} log file(s)${cap}.`, ...(read.capped ? { unseen: true } : {}) },
    calls,
  };
};

export async function assessKeys(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment<KeyPlan>> {
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
      fact: `IAM user ${userName} has ${keys.length} access key(s), ${activeKeys.length} active${
        namedKey ? ` (the finding names ${namedKey})` : ''
      }.`,
      source: 'iam:ListAccessKeys',
      where: 'IAM (global)',
    },
  ];
  if (offending.length === 0) {
    return { risk: 'low', riskReason: `No active key of ${userName} fails ${finding.controlId} any more`, evidence };
  }

  const since = new Date(now.getTime() - lookbackDays * DAY_MS);
  const window = `last ${lookbackDays} days (${day(since)} to ${day(now)})`;
  const enabled = await enabledRegions(ctx.clients, target);
  const everywhere = enabled.regions.join(', ');
  evidence.push(
    enabled.unreadable
      ? {
          fact: `The account's enabled regions could not be listed (${enabled.unreadable}): only ${target.region} was searched.`,
          source: 'ec2:DescribeRegions',
          where: `account ${finding.accountId}`,
          unseen: true,
        }
      : {
          fact:
            `Usage is looked up in all ${enabled.regions.length} regions enabled for account ${finding.accountId}; ` +
            'opt-in regions it has not enabled refuse every call, so no key can be used there.',
          source: 'ec2:DescribeRegions',
          where: everywhere,
        },
  );
  const highReasons: string[] = [];
  for (const { key, why } of offending) {
    evidence.push({
      fact: `Key ${key.accessKeyId} fails ${finding.controlId}: ${why}.`,
      source: 'iam:ListAccessKeys',
      where: 'IAM (global)',
    });
    evidence.push({
      fact: describeUse(key, now),
      source: 'iam:GetAccessKeyLastUsed',
      where: 'every region (IAM records the last use of a key wherever it signs a request)',
      window: 'since IAM began tracking (2015-04-22)',
    });
    if (key.lastUsedDate && daysBetween(key.lastUsedDate, now) <= unusedKeyDays) {
      highReasons.push(`key ${key.accessKeyId} was used ${ago(key.lastUsedDate, now)}`);
    }

    const management = await managementCalls(ctx.clients, finding.accountId, enabled.regions, key.accessKeyId, since, now);
    const used = management.read.filter((r) => r.calls.length > 0);
    for (const region of used) {
      evidence.push({
        fact: `Management events with ${key.accessKeyId} in ${region.region}: ${describeCalls(region.calls, region.more)}.`,
        source: 'cloudtrail:LookupEvents',
        where: region.region,
        window,
      });
      const count = `${region.calls.length}${region.more ? '+' : ''}`;
      highReasons.push(`key ${key.accessKeyId} made ${count} API call(s) in ${region.region} in the last ${lookbackDays} days`);
    }
    const quiet = management.read.filter((r) => r.calls.length === 0).map((r) => r.region);
    if (quiet.length > 0) {
      evidence.push({
        fact:
          `No CloudTrail management events made with ${key.accessKeyId} in ` +
          `${quiet.length} region(s)${used.length === 0 ? ' (every region read)' : ''}.`,
        source: 'cloudtrail:LookupEvents',
        where: quiet.join(', '),
        window,
      });
    }
    for (const { region, reason } of management.unread) {
      evidence.push({
        fact: `CloudTrail event history in ${region} could not be read (${reason}): calls made there with ${key.accessKeyId} are unseen.`,
        source: 'cloudtrail:LookupEvents',
        where: region,
        window,
        unseen: true,
      });
    }

    // LastUsedDate covers every signed request; management events there prove use even when IAM lags behind.
    const inUse = (key.lastUsedDate !== undefined && key.lastUsedDate >= since) || used.length > 0;
    const dataPlane = await dataPlaneEvidence(key, inUse, ctx, {
      accountId: finding.accountId,
      regions: enabled.regions,
      since,
      now,
      window,
    });
    evidence.push(dataPlane.evidence);
    if (dataPlane.calls.length > 0) {
      highReasons.push(`key ${key.accessKeyId} made ${dataPlane.calls.length} data-plane call(s) in the last ${lookbackDays} days`);
    }

    const calls = [...used.flatMap((r) => r.calls), ...dataPlane.calls];
    for (const instance of await callerInstances(ctx, finding.accountId, calls)) {
      const marker = productionMarker(tagsOf(instance.Tags), ctx.config);
      evidence.push({
        fact: `Calls came from instance ${instance.InstanceId} (${instance.State?.Name ?? 'unknown state'})${
          marker ? `, tagged ${marker}` : ''
        }.`,
        source: 'ec2:DescribeInstances',
        where: distinct(calls.map((c) => c.region)),
      });
      if (marker) highReasons.push(`a production instance (${instance.InstanceId}) uses the key`);
    }
  }

  const { User } = await iam.send(new GetUserCommand({ UserName: userName }));
  const advisor = await accessAdvisor(iam, User?.Arn ?? finding.resource.canonicalId);
  if (!advisor.available) {
    evidence.push({
      fact: `IAM access advisor for ${userName} could not be read: ${advisor.reason}.`,
      source: 'iam:GenerateServiceLastAccessedDetails',
      where: 'IAM (global)',
      unseen: true,
    });
  } else {
    const recent = advisor.services
      .filter((s) => s.LastAuthenticated && new Date(s.LastAuthenticated) >= since)
      .sort((a, b) => new Date(b.LastAuthenticated as Date).getTime() - new Date(a.LastAuthenticated as Date).getTime());
    evidence.push({
      fact:
        recent.length === 0
          ? `IAM access advisor: ${userName} (any of its credentials) authenticated to no service in the window.`
          : `IAM access advisor: ${userName} (any of its credentials) authenticated to ${recent.length} service(s) in the window: ` +
            recent
              .slice(0, 8)
              .map(
                (s) =>
                  `${s.ServiceNamespace} (${s.LastAuthenticatedRegion ?? 'region unknown'}, ` +
                  `${ago(new Date(s.LastAuthenticated as Date), now)})`,
              )
              .join(', ') +
            '.',
      source: 'iam:GenerateServiceLastAccessedDetails, iam:GetServiceLastAccessedDetails',
      where: 'IAM (global)',
      window,
    });
  }

  const userMarker = productionMarker(userTags, ctx.config);
  if (userMarker) {
    evidence.push({ fact: `User ${userName} is tagged ${userMarker}.`, source: 'iam:ListUserTags' });
    highReasons.push(`user ${userName} is tagged ${userMarker}`);
  }
  const productionAccount = productionAccountEvidence(finding.accountId, ctx.config);
  evidence.push(...productionAccount);
  if (productionAccount.length > 0) highReasons.push(`account ${finding.accountId} is production`);

  const keyIds = offending.map((o) => o.key.accessKeyId);
  const plan: Plan<KeyPlan> = {
    summary:
      `Deactivate access key${keyIds.length > 1 ? 's' : ''} ${keyIds.join(', ')} of IAM user ${userName} (set Inactive, not ` + `deleted)`,
    steps: keyIds.map((id) => `iam:UpdateAccessKey UserName=${userName} AccessKeyId=${id} Status=Inactive`),
    reversible: true,
    // observed: what the plan replaces; a retry that finds a key Inactive already records it as `before` (types.ts).
    parameters: { userName, accessKeyIds: keyIds, observed: { statuses: Object.fromEntries(keyIds.map((id) => [id, 'Active'])) } },
  };
  const unseen = unseenSignals(evidence);
  if (highReasons.length > 0)
    return { risk: 'high', riskReason: `Deactivating could break a caller: ${highReasons.join('; ')}`, evidence, plan };
  if (unseen.length > 0)
    return { risk: 'unknown', riskReason: `Not every usage signal could be read: ${unseen.join(' ')}`, evidence, plan };
  return { risk: 'low', riskReason: `No recent use anywhere and no production marker for ${keyIds.join(', ')}`, evidence, plan };
}
