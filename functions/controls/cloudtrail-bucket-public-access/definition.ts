import { GetBucketAclCommand, GetBucketPolicyStatusCommand, S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { InvalidInputError, VerificationFailedError } from '../../platform/errors';
import type { ChangeRecord, Evidence, FindingRef } from '../../findings/types';
import { defineControl } from '../define-control';
import {
  ALL_ON,
  applyBlock,
  BLOCK_SETTINGS,
  blockSchema,
  bucketBlockApi,
  describeBlock,
  fullyOn,
  type Block,
} from '../shared/public-access-block';
import { asList, bucketNameOf, bucketPolicy, parsePolicy, publicAclGrants, type PolicyStatement } from '../shared/s3-bucket';
import { trailsSeenIn } from '../shared/trails';
import { targetOf, type ControlAssessment, type ControlContext } from '../types';

/**
 * CloudTrail.6 (CIS 1.2.0 2.3, 1.4.0 3.3): the bucket a trail delivers its log files to must not be publicly accessible;
 * whoever reads the logs learns every API call of the account. The fix is the bucket's four block public access
 * settings: IgnorePublicAcls and RestrictPublicBuckets neutralise the public ACL grants and public policy there are,
 * BlockPublicAcls and BlockPublicPolicy refuse new ones. The policy and the ACL are left as they are, so a rollback puts
 * back exactly the previous block.
 *
 * Blast radius. CloudTrail writes the log files through its service principal (cloudtrail.amazonaws.com), for an
 * organization trail too, and block public access does not apply to service principals; readers in the bucket's own
 * account keep their access. Anonymous readers lose it: that is the point. One more caller can: while the bucket policy
 * is public, RestrictPublicBuckets limits the bucket to service principals and the owner account, so every other account
 * the policy grants (a SIEM, a log archive reader) loses access too. Assess lists those accounts, and finding one makes
 * the risk high: a person decides. Nothing else is at stake, so a bucket without them is fixed automatically.
 */

/** The trail bucket a plan blocks; `observed`: the block it replaces (null: none), which a retry records as `before`. */
const planSchema = z.object({
  bucket: z.string(),
  observed: z.object({ publicAccessBlock: blockSchema.nullable().optional() }).optional(),
});
type BucketPlan = z.infer<typeof planSchema>;

/** Each side of a change record: the bucket and its public access block (null: none). */
const changeSchema = z.object({ bucket: z.string(), publicAccessBlock: blockSchema.nullable() });
type BucketChange = z.infer<typeof changeSchema>;

/** The accounts other than the owner that an Allow statement of the policy names as principals, with the principal. */
const otherAccountsGranted = (statements: PolicyStatement[], owner: string): string[] => {
  const principals = statements
    .filter((s) => s.Effect === 'Allow' && typeof s.Principal === 'object' && s.Principal !== null)
    .flatMap((s) => asList((s.Principal as { AWS?: string | string[] }).AWS));
  const foreign = principals.filter((p) => {
    const account = /^(\d{12})$/.exec(p)?.[1] ?? /^arn:aws[\w-]*:iam::(\d{12}):/.exec(p)?.[1];
    return account !== undefined && account !== owner;
  });
  return [...new Set(foreign)];
};

/** The bucket of the finding, when the plan or change names that bucket. */
const bucketOf = (finding: FindingRef, named: { bucket: string }): string => {
  const bucket = bucketNameOf(finding);
  if (named.bucket !== bucket) throw new InvalidInputError(`The plan does not name bucket ${bucket} of finding ${finding.id}`);
  return bucket;
};

async function assess(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment<BucketPlan>> {
  const target = targetOf(finding);
  const bucket = bucketNameOf(finding);
  const s3 = ctx.clients.at(S3Client, target);
  const [current, trails] = await Promise.all([
    bucketBlockApi(s3, bucket).read(),
    trailsSeenIn(ctx.clients, finding.accountId, target.region),
  ]);
  const delivering = trails.filter((t) => t.bucket === bucket).map((t) => t.name);
  const evidence: Evidence[] = [
    {
      fact:
        delivering.length > 0
          ? `Bucket ${bucket} receives the log files of trail(s) ${delivering.join(', ')}.`
          : `No trail seen in ${target.region} delivers to ${bucket} (an organization trail of another account may).`,
      source: 'cloudtrail:DescribeTrails',
    },
    { fact: `Bucket ${bucket}'s public access block: ${describeBlock(current)}.`, source: 's3:GetPublicAccessBlock' },
  ];
  if (fullyOn(current)) return { risk: 'low', riskReason: `Bucket ${bucket} already blocks all public access`, evidence };

  const [policy, acl] = await Promise.all([bucketPolicy(s3, bucket), s3.send(new GetBucketAclCommand({ Bucket: bucket }))]);
  const status = policy ? (await s3.send(new GetBucketPolicyStatusCommand({ Bucket: bucket }))).PolicyStatus : undefined;
  const publicPolicy = status?.IsPublic === true;
  const publicGrants = publicAclGrants(acl.Grants);
  const others = policy ? otherAccountsGranted(parsePolicy(policy).Statement, finding.accountId) : [];
  const exposure = [...(publicPolicy ? ['its bucket policy is public'] : []), ...publicGrants.map((g) => `its ACL grants ${g}`)];
  evidence.push({
    fact: exposure.length > 0 ? `Bucket ${bucket} is public now: ${exposure.join('; ')}.` : `Bucket ${bucket} is not public (policy, ACL).`,
    source: 's3:GetBucketPolicyStatus, s3:GetBucketAcl',
  });
  evidence.push({
    fact:
      `CloudTrail delivers log files through its service principal, which block public access does not affect; readers in account ` +
      `${finding.accountId} keep their access. Policy and ACL stay as they are; new public grants will be refused.`,
    source: 'Amazon S3 block public access (AWS documentation)',
  });
  const cut = publicPolicy && others.length > 0;
  if (others.length > 0) {
    evidence.push({
      fact:
        `The bucket policy grants other accounts: ${others.join(', ')}. ` +
        (cut
          ? 'With the policy public, RestrictPublicBuckets limits the bucket to service principals and its own account: ' +
            'they would lose access.'
          : 'The policy is not public, so RestrictPublicBuckets leaves their access as it is.'),
      source: 's3:GetBucketPolicy',
    });
  }

  const plan = {
    summary: `Turn on all four block public access settings of trail bucket ${bucket} (now ${describeBlock(current)}); policy and ACL stay`,
    steps: [`s3:PutPublicAccessBlock Bucket=${bucket} ${BLOCK_SETTINGS.map((k) => `${k}=true`).join(' ')}`],
    reversible: true,
    parameters: { bucket, observed: { publicAccessBlock: current ?? null } },
  };
  const riskReason = cut
    ? `Other accounts read ${bucket} through its public policy and would lose access: ${others.join(', ')}`
    : `Only anonymous access to ${bucket} ends: CloudTrail and readers in its own account are unaffected`;
  return { risk: cut ? 'high' : 'low', riskReason, evidence, plan };
}

/** Sets the bucket's block to `wanted` (undefined: none), recording what it was (types.ts, rule 2 for retries). */
const setBlock = async (
  finding: FindingRef,
  bucket: string,
  wanted: Block | undefined,
  ctx: ControlContext,
  startedFrom: Block | null | undefined,
): Promise<ChangeRecord<BucketChange>> => {
  const { before, summary } = await applyBlock(bucketBlockApi(ctx.clients.at(S3Client, targetOf(finding)), bucket), wanted, startedFrom);
  return {
    summary,
    before: { bucket, publicAccessBlock: before },
    after: { bucket, publicAccessBlock: wanted ?? null },
    changedAt: ctx.now().toISOString(),
    reversible: true,
  };
};

export const cloudTrailBucketPublicAccess = defineControl({
  id: 'cloudtrail-bucket-public-access',
  title: 'CloudTrail: the trail bucket is not publicly accessible',
  ids: ['CloudTrail.6'],
  cisRefs: ['1.2.0/2.3', '1.4.0/3.3'],
  resourceTypes: ['AwsS3Bucket'],
  assesses:
    'The trails delivering to the bucket (DescribeTrails), its block public access settings, whether its policy is public ' +
    '(GetBucketPolicyStatus) and which other accounts the policy grants, ACL grants to AllUsers/AuthenticatedUsers',
  changes:
    'Turns on all four block public access settings of the trail bucket; policy and ACL are left as they are ' +
    '(CloudTrail keeps writing through its service principal)',
  reversible: true,
  automation: 'automated',
  // Public CloudTrail logs are an exposure nobody depends on; assess sends the one case that cuts a reader to a person.
  defaultMode: 'auto',
  signals: [
    {
      signal: 'The trails delivering to the bucket, its block public access, policy status, accounts the policy grants and ACL grants',
      source:
        'cloudtrail:DescribeTrails, s3:GetPublicAccessBlock, GetBucketPolicyStatus, GetBucketPolicy, GetBucketAcl, current configuration',
      blindSpots: 'Anonymous readers of the logs (no data events read): a public trail bucket is never meant to be read anonymously',
      whenMissing: 'The read fails the assessment: nothing is changed and the finding is annotated with what failed',
    },
  ],
  planSchema,
  changeSchema,
  permissions: {
    assess: [
      'cloudtrail:DescribeTrails',
      's3:GetBucketPublicAccessBlock',
      's3:GetBucketPolicy',
      's3:GetBucketPolicyStatus',
      's3:GetBucketAcl',
    ],
    verify: ['s3:GetBucketPublicAccessBlock'],
    // Removing a block (rollback to none) is authorized as putting one.
    remediate: ['s3:GetBucketPublicAccessBlock', 's3:PutBucketPublicAccessBlock'],
    rollback: ['s3:GetBucketPublicAccessBlock', 's3:PutBucketPublicAccessBlock'],
  },
  assess,
  remediate: (finding, { parameters: p }, ctx) => setBlock(finding, bucketOf(finding, p), ALL_ON, ctx, p.observed?.publicAccessBlock),
  async verify(finding, change, ctx) {
    const bucket = bucketOf(finding, change.after);
    const block = await bucketBlockApi(ctx.clients.at(S3Client, targetOf(finding)), bucket).read();
    if (!fullyOn(block)) throw new VerificationFailedError(`The public access block of bucket ${bucket} is ${describeBlock(block)}`);
    return `S3 reports all four block public access settings on for trail bucket ${bucket}`;
  },
  rollback: (finding, { before, after }, ctx) =>
    setBlock(finding, bucketOf(finding, before), before.publicAccessBlock ?? undefined, ctx, after.publicAccessBlock),
});

export default cloudTrailBucketPublicAccess;
