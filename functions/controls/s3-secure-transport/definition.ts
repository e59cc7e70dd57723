import { DeleteBucketPolicyCommand, GetBucketWebsiteCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { InvalidInputError, RemediationError, VerificationFailedError } from '../../platform/errors';
import { unseenSignals } from '../../findings/evidence';
import type { ChangeRecord, Evidence, FindingRef, Plan } from '../../findings/types';
import { cloudFrontOrigins } from '../shared/bucket-reach';
import { inRegion, NOW, readSignal } from '../shared/signals';
import { defineControl } from '../define-control';
import { productionMarker } from '../shared/production';
import {
  asList,
  bucketNameOf,
  bucketPolicy,
  bucketTags,
  parsePolicy,
  readOptional,
  type PolicyDocument,
  type PolicyStatement,
} from '../shared/s3-bucket';
import { readBucketRequests, trailLogGrants, type S3Request } from '../shared/s3-data-events';
import { s3Arn } from '../shared/arns';
import { sameJson } from '../shared/retries';
import { targetOf, type ControlAssessment, type ControlContext } from '../types';

/**
 * S3.5: a bucket policy must deny requests that do not use TLS. The deny statement is merged into the
 * bucket's policy (every existing statement kept); rollback puts back the exact previous policy text, or
 * deletes the policy when there was none. What breaks is a client still speaking plain HTTP, which only
 * S3 data events show.
 */

/** The bucket a plan changes; `observed` (plans since retries were made safe): the policy text it replaces, null for none. */
const planSchema = z.object({ bucket: z.string(), observed: z.object({ policy: z.string().nullable().optional() }).optional() });
type DenyPlan = z.infer<typeof planSchema>;

/** Each side of a change record: the bucket's policy text exactly as S3 returned it (null: none). */
const changeSchema = z.object({ bucket: z.string(), policy: z.string().nullable() });
type PolicyChange = z.infer<typeof changeSchema>;

const DAY_MS = 86_400_000;
const SID = 'HubfixDenyInsecureTransport';
/** Distinct callers listed in the evidence. */
const MAX_LISTED = 5;

const denyStatement = (bucket: string, region: string, sid: string): PolicyStatement => ({
  Sid: sid,
  Effect: 'Deny',
  Principal: '*',
  Action: 's3:*',
  Resource: [s3Arn(region, bucket), s3Arn(region, bucket, '*')],
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});

const isWildcard = (principal: unknown): boolean =>
  principal === '*' ||
  (typeof principal === 'object' && principal !== null && asList((principal as { AWS?: string | string[] }).AWS).includes('*'));

/**
 * What the S3.5 check looks for: Deny s3:* (or *) to everyone on the bucket and its objects when aws:SecureTransport is
 * false. The ARNs are those of the bucket's partition (arn:aws-cn:s3:::bucket in China).
 */
const deniesInsecureTransport = (document: PolicyDocument, bucket: string, region: string): boolean =>
  document.Statement.some((s) => {
    if (s.Effect !== 'Deny' || !isWildcard(s.Principal)) return false;
    if (!asList(s.Action).some((a) => a === 's3:*' || a === '*')) return false;
    const resources = asList(s.Resource);
    const covers = (arn: string) => resources.some((r) => r === '*' || r === arn || (r.endsWith('*') && arn.startsWith(r.slice(0, -1))));
    if (!covers(s3Arn(region, bucket)) || !covers(s3Arn(region, bucket, '*'))) return false;
    const bool = Object.entries(s.Condition ?? {}).find(([operator]) => operator === 'Bool')?.[1] ?? {};
    return Object.entries(bool).some(
      ([key, value]) =>
        key.toLowerCase() === 'aws:securetransport' &&
        asList(value as string | boolean)
          .map(String)
          .includes('false'),
    );
  });

/** The policy with the deny statement added; a Sid already taken gets a numbered one (Sids must be unique). */
const merged = (current: string | undefined, bucket: string, region: string): string => {
  const document: PolicyDocument = current ? parsePolicy(current) : { Version: '2012-10-17', Statement: [] };
  const taken = new Set(document.Statement.map((s) => s.Sid));
  let sid = SID;
  for (let n = 2; taken.has(sid); n += 1) sid = `${SID}${n}`;
  return JSON.stringify({ ...document, Statement: [...document.Statement, denyStatement(bucket, region, sid)] });
};

const distinct = (values: string[]): string => {
  const unique = [...new Set(values)];
  return unique.slice(0, MAX_LISTED).join(', ') + (unique.length > MAX_LISTED ? ` and ${unique.length - MAX_LISTED} more` : '');
};

/** Evidence and risk from the bucket's recorded requests. */
const requestEvidence = (
  bucket: string,
  requests: S3Request[],
  trail: string,
  files: number,
  truncated: boolean,
  days: number,
): { evidence: Evidence; insecure: S3Request[] } => {
  const source = `s3:GetObject (CloudTrail data events of trail ${trail})`;
  const window = truncated ? `in the newest ${files} log files` : `in the last ${days} days`;
  const insecure = requests.filter((r) => !r.tlsVersion);
  if (insecure.length > 0) {
    const last = insecure.reduce((a, b) => (a.time > b.time ? a : b));
    return {
      insecure,
      evidence: {
        fact:
          `${insecure.length} of ${requests.length} requests to ${bucket} ${window} came over plain HTTP (no TLS) and would be denied: ` +
          `from ${distinct(insecure.map((r) => r.sourceIp))}; user agents ${distinct(insecure.map((r) => r.userAgent.slice(0, 80)))}; ` +
          `operations ${distinct(insecure.map((r) => r.eventName))}; latest ${last.time.toISOString()}.`,
        source,
      },
    };
  }
  const versions = distinct(requests.map((r) => r.tlsVersion as string));
  return {
    insecure,
    evidence: {
      fact:
        requests.length > 0
          ? `All ${requests.length} requests to ${bucket} ${window} used TLS (${versions}).`
          : `No requests to ${bucket} recorded ${window}.`,
      source,
    },
  };
};

async function assess(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment<DenyPlan>> {
  const target = targetOf(finding);
  const bucket = bucketNameOf(finding);
  const s3 = ctx.clients.at(S3Client, target);
  const policy = await bucketPolicy(s3, bucket);
  const document = policy ? parsePolicy(policy) : undefined;
  if (document && deniesInsecureTransport(document, bucket, target.region)) {
    return {
      risk: 'low',
      riskReason: `The policy of ${bucket} already denies requests without TLS`,
      evidence: [{ fact: `The policy of ${bucket} denies requests with aws:SecureTransport false.`, source: 's3:GetBucketPolicy' }],
    };
  }

  const evidence: Evidence[] = [
    {
      fact: document
        ? `Bucket ${bucket} has a policy of ${document.Statement.length} statement(s), none denying requests without TLS; all of ` +
          `them are kept.`
        : `Bucket ${bucket} has no bucket policy; one holding only the deny statement will be created.`,
      source: 's3:GetBucketPolicy',
    },
  ];
  const marker = productionMarker(await bucketTags(s3, bucket), ctx.config);
  if (marker) evidence.push({ fact: `Bucket ${bucket} is tagged ${marker}.`, source: 's3:GetBucketTagging' });

  const now = ctx.now();
  const days = ctx.config.thresholds.lookbackDays;
  const where = inRegion(target.accountId, target.region);
  const signal = await readBucketRequests(ctx.clients, target, bucket, new Date(now.getTime() - days * DAY_MS), now);
  let insecure: S3Request[] = [];
  if (!signal.available) {
    // No data events, no plain-HTTP client to see: the risk is unknown, never low.
    evidence.push({
      fact: `Signal unavailable: ${signal.reason}, so whether any client reaches ${bucket} over plain HTTP is not seen.`,
      source: signal.source,
      where,
      window: `last ${days} days`,
      unseen: true,
    });
  } else {
    const read = requestEvidence(bucket, signal.requests, signal.trail, signal.files, signal.truncated, days);
    evidence.push({ ...read.evidence, where, window: `last ${days} days` });
    insecure = read.insecure;
  }
  // The website endpoint answers over HTTP only, and CloudFront fetches a REST origin with the viewer's protocol: both
  // are plain-HTTP clients the deny refuses, whatever the data events show.
  const website = await readSignal(
    { what: `the website configuration of ${bucket}`, source: 's3:GetBucketWebsite', where, window: NOW },
    () => readOptional(s3.send(new GetBucketWebsiteCommand({ Bucket: bucket })), 'NoSuchWebsiteConfiguration', bucket),
  );
  const cloudFront = await cloudFrontOrigins(ctx.clients, target, bucket);
  if (!website.seen) evidence.push(website.evidence);
  else if (website.value)
    evidence.push({
      fact: `Bucket ${bucket} hosts a static website: its website endpoint serves HTTP only, so the deny refuses every website request.`,
      source: 's3:GetBucketWebsite',
      where,
      window: NOW,
    });
  evidence.push(...cloudFront.evidence);
  const httpOrigins = cloudFront.origins.filter((o) => o.website || o.viewerHttp).map((o) => o.distributionId);

  const statements = document ? `${document.Statement.length} existing statement(s) kept` : 'new policy';
  const plan: Plan<DenyPlan> = {
    summary: `Add a statement denying s3:* without TLS (aws:SecureTransport false) to the policy of ${bucket} (${statements})`,
    steps: [
      `s3:PutBucketPolicy Bucket=${bucket} Policy=<current policy + Deny s3:* on ${bucket} and ${bucket}/* when aws:SecureTransport ` +
        `is false>`,
    ],
    reversible: true,
    // observed: the policy text this plan replaces (null: none), which a retry records as `before` (types.ts).
    parameters: { bucket, observed: { policy: policy ?? null } },
  };
  const high = [
    ...(insecure.length > 0 ? [`${insecure.length} recent request(s) to ${bucket} came over plain HTTP and would be denied`] : []),
    ...(website.seen && website.value ? [`${bucket} serves a static website over HTTP`] : []),
    ...(httpOrigins.length > 0 ? [`CloudFront distribution(s) ${httpOrigins.join(', ')} fetch from ${bucket} over HTTP`] : []),
  ];
  if (high.length > 0) return { risk: 'high', riskReason: high.join('; '), evidence, plan };
  const unseen = unseenSignals(evidence);
  if (unseen.length > 0)
    return { risk: 'unknown', riskReason: `Plain-HTTP clients of ${bucket} are not seen: ${unseen.join(' ')}`, evidence, plan };
  return { risk: 'low', riskReason: `Denying plain HTTP on ${bucket}: no recent request came without TLS`, evidence, plan };
}

/** The finding's bucket, when the plan or change names it. */
const bucketOf = (finding: FindingRef, named: { bucket: string }): string => {
  const bucket = bucketNameOf(finding);
  if (named.bucket !== bucket) throw new InvalidInputError(`The plan does not name bucket ${bucket} of finding ${finding.id}`);
  return bucket;
};

/** Puts `policy` (null: deletes the policy). */
const writePolicy = async (s3: S3Client, bucket: string, policy: string | null): Promise<void> => {
  try {
    if (policy === null) await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    else await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy }));
  } catch (error) {
    throw new RemediationError(
      `Writing the policy of ${bucket} failed (${(error as Error).name}: ${(error as Error).message}); nothing was changed`,
      { cause: error },
    );
  }
};

const samePolicy = (a: string | null, b: string | null): boolean =>
  a === null || b === null ? a === b : sameJson(parsePolicy(a), parsePolicy(b));

/**
 * Adds the deny statement unless the policy already denies requests without TLS. A policy that already does (an earlier
 * attempt of this step wrote it) is left alone, and the record starts from the policy the assessment read (types.ts, rule 2).
 */
const addDeny = async (
  s3: S3Client,
  bucket: string,
  region: string,
  observed: string | null | undefined,
  now: Date,
): Promise<ChangeRecord<PolicyChange>> => {
  const live = (await bucketPolicy(s3, bucket)) ?? null;
  const denies = live !== null && deniesInsecureTransport(parsePolicy(live), bucket, region);
  const after = denies ? live : merged(live ?? undefined, bucket, region);
  if (!denies) await writePolicy(s3, bucket, after);
  const before = denies && observed !== undefined ? observed : live;
  return {
    summary: `Added a statement denying requests without TLS to the policy of ${bucket}`,
    before: { bucket, policy: before },
    after: { bucket, policy: after },
    changedAt: now.toISOString(),
    reversible: true,
  };
};

/** Puts back the exact previous policy (or none); a policy already back is left alone (types.ts, rule 2). */
const restorePolicy = async (
  s3: S3Client,
  bucket: string,
  previous: string | null,
  replaced: string | null | undefined,
  now: Date,
): Promise<ChangeRecord<PolicyChange>> => {
  const live = (await bucketPolicy(s3, bucket)) ?? null;
  const done = samePolicy(live, previous);
  if (!done) await writePolicy(s3, bucket, previous);
  return {
    summary: previous ? `Restored the previous policy of ${bucket}` : `Deleted the policy of ${bucket}, which had none before`,
    before: { bucket, policy: done && replaced !== undefined ? replaced : live },
    after: { bucket, policy: previous },
    changedAt: now.toISOString(),
    reversible: true,
  };
};

export const s3SecureTransport = defineControl({
  id: 's3-secure-transport',
  title: 'S3 bucket policies deny requests without TLS',
  ids: ['S3.5'],
  cisRefs: ['1.4.0/2.1.2', '3.0.0/2.1.1'],
  resourceTypes: ['AwsS3Bucket'],
  assesses:
    'The bucket policy, production tags, and the S3 data events of the trail that records the bucket (CloudTrail log files): ' +
    'requests that came over plain HTTP, their source IPs, user agents and operations',
  changes: 'Adds a Deny s3:* statement for aws:SecureTransport false to the bucket policy, keeping every existing statement',
  reversible: true,
  automation: 'automated',
  // Without data events assess cannot see a plain-HTTP client: a person decides by default.
  defaultMode: 'on-request',
  signals: [
    {
      signal: 'Requests to the bucket over plain HTTP (no TLS), with source IPs, user agents and operations',
      source:
        'S3 data events in the log files of the trail that records the bucket (cloudtrail:DescribeTrails, GetEventSelectors, ' +
        's3:ListBucket/GetObject on its log bucket), over the lookback',
      blindSpots:
        'Without a trail selecting the bucket\u2019s data events, or an organization trail\u2019s logs out of reach, no request is ' +
        'seen; server access logs are not read',
      whenMissing: 'No data-event source: an unseen line saying so, risk unknown, a person decides',
    },
    {
      signal: 'Static website hosting (its endpoint serves HTTP only)',
      source: 's3:GetBucketWebsite in the finding\u2019s account and region, current configuration',
      blindSpots: 'Nothing else: a website endpoint is always HTTP',
      whenMissing: 'Unreadable (access denied, throttled, not offered): an unseen line, risk unknown, a person decides',
    },
    {
      signal: 'CloudFront distributions fetching from the bucket over HTTP (website origins, or REST origins whose viewers may use HTTP)',
      source: 'cloudfront:ListDistributions, every page, the account\u2019s distributions (global)',
      blindSpots: 'Distributions of other accounts or partitions',
      whenMissing: 'Unreadable (access denied, throttled, not offered): an unseen line, risk unknown, a person decides',
    },
    {
      signal: 'The bucket policy and production tags',
      source: 's3:GetBucketPolicy, s3:GetBucketTagging in the finding\u2019s account and region, current configuration',
      blindSpots: 'Nothing about use',
      whenMissing: 'The read fails the assessment: nothing is changed and the finding is annotated with what failed',
    },
  ],
  planSchema,
  changeSchema,
  permissions: {
    // The trail's log files are the only record of plain-HTTP callers (ListObjectsV2 is s3:ListBucket).
    assess: [
      's3:GetBucketPolicy',
      's3:GetBucketTagging',
      'cloudtrail:DescribeTrails',
      'cloudtrail:GetEventSelectors',
      's3:GetBucketLocation',
      ...trailLogGrants,
      // Plain-HTTP clients the data events may not show: the website endpoint and CloudFront origins.
      's3:GetBucketWebsite',
      'cloudfront:ListDistributions',
    ],
    verify: ['s3:GetBucketPolicy'],
    remediate: ['s3:GetBucketPolicy', 's3:PutBucketPolicy'],
    rollback: [
      's3:GetBucketPolicy',
      's3:PutBucketPolicy',
      {
        action: 's3:DeleteBucketPolicy',
        resources: (s) => [`arn:${s.partition}:s3:::*`],
        why: 'only when the bucket had no policy before; bucket ARNs carry no account, so any bucket (the bucket a finding names)',
      },
    ],
  },
  assess,
  async remediate(finding, plan, ctx) {
    const bucket = bucketOf(finding, plan.parameters);
    const target = targetOf(finding);
    return addDeny(ctx.clients.at(S3Client, target), bucket, target.region, plan.parameters.observed?.policy, ctx.now());
  },
  async verify(finding, change, ctx) {
    const bucket = bucketOf(finding, change.after);
    const policy = await bucketPolicy(ctx.clients.at(S3Client, targetOf(finding)), bucket);
    const document = policy ? parsePolicy(policy) : undefined;
    if (!document || !deniesInsecureTransport(document, bucket, finding.resource.region)) {
      throw new VerificationFailedError(`The policy of ${bucket} does not deny requests without TLS`);
    }
    const kept = new Set(document.Statement.map((s) => JSON.stringify(s)));
    const previous = change.before.policy !== null ? parsePolicy(change.before.policy).Statement : [];
    const lost = previous.filter((s) => !kept.has(JSON.stringify(s)));
    if (lost.length > 0) {
      const sids = lost.map((s) => s.Sid ?? '(no Sid)').join(', ');
      throw new VerificationFailedError(`The policy of ${bucket} lost ${lost.length} of its previous statement(s): ${sids}`);
    }
    const history =
      change.before.policy !== null ? `keeps its ${previous.length} previous statement(s)` : 'is new (the bucket had no policy)';
    return `The policy of ${bucket} denies requests without TLS and ${history}`;
  },
  async rollback(finding, change, ctx) {
    const bucket = bucketOf(finding, change.before);
    return restorePolicy(ctx.clients.at(S3Client, targetOf(finding)), bucket, change.before.policy, change.after.policy, ctx.now());
  },
});

export default s3SecureTransport;
