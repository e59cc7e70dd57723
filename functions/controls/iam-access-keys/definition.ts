import { IAMClient, ListUserTagsCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { InvalidInputError, RemediationError, ResourceNotFoundError, VerificationFailedError } from '../../platform/errors';
import type { ChangeRecord } from '../../findings/types';
import { defineControl } from '../define-control';
import { dataEventSourceGrants } from '../shared/data-event-source';
import { startingPoint } from '../shared/retries';
import { targetOf } from '../types';
import { changeSchema, listKeys, planSchema, tagsOf, userNameOf, type KeyChange } from './keys';

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
    'Key age; GetAccessKeyLastUsed; CloudTrail management events made with the key in every enabled region; data events from ' +
    'the configured data-event source (trail logs in S3); IAM access advisor for the user; the instances behind the callers; ' +
    'production tags on the user and instances, production accounts',
  changes: 'Deactivates the offending access keys (never deletes them)',
  reversible: true,
  automation: 'automated',
  defaultMode: 'auto',
  planSchema,
  changeSchema,
  signals: [
    {
      signal: "The key's most recent use: date, service, region",
      source: 'iam:GetAccessKeyLastUsed (global: every signed request, management and data plane, in any region)',
      blindSpots: 'Only the last use; not who called or how often',
      whenMissing: 'The assessment fails and is retried; no route is taken without it',
    },
    {
      signal: 'Management API calls made with the key: services, source IPs, user agents',
      source: `cloudtrail:LookupEvents in every region ec2:DescribeRegions lists as enabled, over thresholds.lookbackDays`,
      blindSpots:
        'Data events (S3 objects, DynamoDB items, SQS messages, Lambda invocations); the newest 50 events per region; ' +
        'opt-in regions the account has not enabled are not searched (no credential can call there)',
      whenMissing:
        'A region that cannot be read (access denied, throttled after retries) or no region list: risk unknown, a person decides',
    },
    {
      signal: 'Data-plane calls made with the key',
      source: 'usage.dataEventSource: the S3 log files of a trail that selects data events, read through hubfix-inspect',
      blindSpots: 'Data events the trail does not select; files past usage.maxLogFiles; SSE-KMS-encrypted log files',
      whenMissing:
        'Not configured, unreadable or capped with nothing found: risk unknown when the key was used within the window; ' +
        'no effect when GetAccessKeyLastUsed shows no use in the window (no data-plane call can have happened)',
    },
    {
      signal: 'Services the user authenticated to (any of its credentials), with the last region',
      source: 'iam:GenerateServiceLastAccessedDetails + GetServiceLastAccessedDetails (polled, at most ~4 s)',
      blindSpots: 'Per user, not per key; IAM may report activity a few hours late',
      whenMissing: 'The job fails or does not finish in time: risk unknown, a person decides',
    },
    {
      signal: 'The instances behind the callers, and production tags on them, on the user and on the account',
      source: 'ec2:DescribeInstances (by source IP, in the region of the calls), iam:ListUserTags, production.accountIds',
      blindSpots: 'Callers that are not EC2 instances of this account (Lambda, containers behind NAT, on-premises, other accounts)',
      whenMissing: 'The assessment fails and is retried',
    },
  ],
  permissions: {
    // ec2:DescribeRegions: every region the key can be used in; ec2:DescribeInstances: which instances (by source IP) use it;
    // iam:Generate/GetServiceLastAccessedDetails: access advisor (AWS lists Generate as a read); s3: the data-event source only.
    assess: [
      'iam:ListAccessKeys',
      'iam:ListUserTags',
      'iam:GetAccessKeyLastUsed',
      'iam:GetUser',
      'iam:GenerateServiceLastAccessedDetails',
      'iam:GetServiceLastAccessedDetails',
      'ec2:DescribeRegions',
      'cloudtrail:LookupEvents',
      'ec2:DescribeInstances',
      ...dataEventSourceGrants,
    ],
    verify: ['iam:ListAccessKeys'],
    remediate: ['iam:ListAccessKeys', 'iam:UpdateAccessKey'],
    rollback: ['iam:ListAccessKeys', 'iam:UpdateAccessKey'],
  },
  // Assess alone reads CloudTrail, EC2, S3 and the access advisor: Remediate and Verify never load that code or its clients.
  assess: async (finding, ctx) => {
    const { assessKeys } = await import('./assess');
    return assessKeys(finding, ctx);
  },
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
