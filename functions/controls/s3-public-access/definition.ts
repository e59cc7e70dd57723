import {
  GetBucketAclCommand,
  GetBucketPolicyStatusCommand,
  GetBucketWebsiteCommand,
  ListBucketsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  DeletePublicAccessBlockCommand as DeleteAccountPublicAccessBlockCommand,
  GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand,
  PutPublicAccessBlockCommand as PutAccountPublicAccessBlockCommand,
  S3ControlClient,
} from '@aws-sdk/client-s3-control';
import * as z from 'zod';
import { InvalidInputError, VerificationFailedError } from '../../platform/errors';
import { unseenSignals } from '../../findings/evidence';
import type { ChangeRecord, Evidence, FindingRef, Plan } from '../../findings/types';
import { accessPointsOf, cloudFrontOrigins } from '../shared/bucket-reach';
import { inRegion, NOW, readSignal } from '../shared/signals';
import { defineControl } from '../define-control';
import { productionAccountEvidence, productionMarker } from '../shared/production';
import {
  ALL_ON,
  BLOCK_SETTINGS,
  applyBlock,
  blockOf,
  blockSchema,
  bucketBlockApi,
  describeBlock,
  fullyOn,
  type Block,
  type BlockApi,
} from '../shared/public-access-block';
import {
  asList,
  bucketNameOf,
  bucketPolicy,
  bucketPublicAccessBlock,
  bucketTags,
  parsePolicy,
  publicAclGrants,
  readOptional,
  type PolicyStatement,
} from '../shared/s3-bucket';
import { targetOf, type ControlAssessment, type ControlContext } from '../types';

/**
 * S3.8 (a bucket) and S3.1 (the account): turn on all four "block public access" settings. Blocking is
 * harmless for a bucket nobody reaches anonymously and breaks one that serves the public on purpose
 * (a website, public downloads), so assess reads what makes a bucket public today.
 */

/** Evidence goes into the execution input (256 KB): an account with many public buckets is summarised. */
const MAX_LISTED_BUCKETS = 20;
/** Buckets read per account assessment; more than this and the rest are reported as unchecked. */
const MAX_CHECKED_BUCKETS = 500;
const CONCURRENCY = 10;

const bucketScope = z.object({ scope: z.literal('bucket'), bucket: z.string() });
const accountScope = z.object({ scope: z.literal('account'), accountId: z.string() });
type Scope = z.infer<typeof bucketScope> | z.infer<typeof accountScope>;

/** The bucket (S3.8) or account (S3.1) a plan blocks; `observed`: the block it replaces (null: none), in plans since retries. */
const observed = z.object({ publicAccessBlock: blockSchema.nullable().optional() }).optional();
const planSchema = z.discriminatedUnion('scope', [bucketScope.extend({ observed }), accountScope.extend({ observed })]);
type BlockPlan = z.infer<typeof planSchema>;

/** Each side of a change record: the scope and its public access block (null: none). */
const publicAccessBlock = blockSchema.nullable();
const changeSchema = z.discriminatedUnion('scope', [bucketScope.extend({ publicAccessBlock }), accountScope.extend({ publicAccessBlock })]);
type BlockChange = z.infer<typeof changeSchema>;

const accountBlock = async (s3control: S3ControlClient, accountId: string): Promise<Block | undefined> => {
  try {
    return blockOf((await s3control.send(new GetAccountPublicAccessBlockCommand({ AccountId: accountId }))).PublicAccessBlockConfiguration);
  } catch (error) {
    if ((error as Error).name === 'NoSuchPublicAccessBlockConfiguration') return undefined;
    throw error;
  }
};

/** What makes one bucket public today, and what would notice if it stopped being public. */
interface BucketFacts {
  bucket: string;
  bucketBlock?: Block;
  /** Public by policy (GetBucketPolicyStatus) and the statements that grant everyone. */
  publicPolicy?: string[];
  publicGrants: string[];
  website?: string;
  cloudFront: string[];
  production?: string;
}

const isWildcard = (principal: unknown): boolean =>
  principal === '*' ||
  (typeof principal === 'object' && principal !== null && asList((principal as { AWS?: string | string[] }).AWS).includes('*'));

const describeStatement = (s: PolicyStatement, index: number): string =>
  `${s.Sid ?? `statement ${index + 1}`} (${asList(s.Action).join(', ')})`;

/** CloudFront reaching the bucket through its own principal (OAC service principal or a legacy OAI). */
const cloudFrontReaders = (statements: PolicyStatement[]): string[] =>
  statements
    .filter((s) => s.Effect === 'Allow' && typeof s.Principal === 'object' && s.Principal !== null)
    .flatMap((s) => {
      const principal = s.Principal as { Service?: string | string[]; AWS?: string | string[] };
      const oac = asList(principal.Service).includes('cloudfront.amazonaws.com');
      const sourceArn = Object.values(s.Condition ?? {}).flatMap((byKey) =>
        Object.entries(byKey)
          .filter(([k]) => k.toLowerCase() === 'aws:sourcearn')
          .flatMap(([, v]) => asList(v as string | string[])),
      );
      const distributions = sourceArn.map((arn) => /distribution\/(\w+)/.exec(arn)?.[1] ?? arn);
      const oais = asList(principal.AWS).flatMap((p) => /cloudfront:user\/CloudFront Origin Access Identity (\w+)/.exec(p)?.[1] ?? []);
      return [
        ...(oac ? [`origin access control${distributions.length ? ` of distribution ${distributions.join(', ')}` : ''}`] : []),
        ...oais.map((id) => `origin access identity ${id}`),
      ];
    });

const bucketFacts = async (s3: S3Client, bucket: string, ctx: ControlContext, bucketBlock?: Block): Promise<BucketFacts> => {
  const [policy, acl, website, tags] = await Promise.all([
    bucketPolicy(s3, bucket),
    s3.send(new GetBucketAclCommand({ Bucket: bucket })),
    readOptional(s3.send(new GetBucketWebsiteCommand({ Bucket: bucket })), 'NoSuchWebsiteConfiguration', bucket),
    bucketTags(s3, bucket),
  ]);
  const statements = policy ? parsePolicy(policy).Statement : [];
  const isPublic = policy ? (await s3.send(new GetBucketPolicyStatusCommand({ Bucket: bucket }))).PolicyStatus?.IsPublic === true : false;
  return {
    bucket,
    bucketBlock,
    publicPolicy: isPublic
      ? statements.map((s, i) => (s.Effect === 'Allow' && isWildcard(s.Principal) ? describeStatement(s, i) : '')).filter(Boolean)
      : undefined,
    publicGrants: publicAclGrants(acl.Grants),
    website:
      website &&
      (website.RedirectAllRequestsTo
        ? `redirects to ${website.RedirectAllRequestsTo.HostName}`
        : `index document ${website.IndexDocument?.Suffix}`),
    cloudFront: cloudFrontReaders(statements),
    production: productionMarker(tags, ctx.config),
  };
};

/** How the public reaches the bucket today, given the blocks in force (bucket and account). */
const publicPaths = (facts: BucketFacts, account?: Block): string[] => {
  const restrict = facts.bucketBlock?.RestrictPublicBuckets || account?.RestrictPublicBuckets;
  const ignoreAcls = facts.bucketBlock?.IgnorePublicAcls || account?.IgnorePublicAcls;
  return [
    ...(facts.publicPolicy && !restrict
      ? [`its bucket policy is public (${facts.publicPolicy.join('; ') || 'GetBucketPolicyStatus IsPublic'})`]
      : []),
    ...(facts.publicGrants.length > 0 && !ignoreAcls ? [`its ACL grants ${facts.publicGrants.join(', ')}`] : []),
  ];
};

const factEvidence = (facts: BucketFacts, paths: string[]): Evidence[] => [
  ...(paths.length > 0
    ? [
        {
          fact: `Bucket ${facts.bucket} is public now: ${paths.join('; ')}.`,
          source: 's3:GetBucketPolicyStatus, s3:GetBucketPolicy, s3:GetBucketAcl',
        },
      ]
    : []),
  ...(facts.publicPolicy && paths.every((p) => !p.startsWith('its bucket policy'))
    ? [
        {
          fact: `Bucket ${facts.bucket} has a public policy, already neutralised by RestrictPublicBuckets.`,
          source: 's3:GetBucketPolicyStatus',
        },
      ]
    : []),
  ...(facts.website
    ? [
        {
          fact:
            paths.length > 0
              ? `Bucket ${facts.bucket} serves a static website (${facts.website}); blocking public access takes the site down (403).`
              : `Bucket ${facts.bucket} has website hosting configured (${facts.website}) but is not public, so the website endpoint ` +
                `already answers 403.`,
          source: 's3:GetBucketWebsite',
        },
      ]
    : []),
  ...(facts.cloudFront.length > 0
    ? [
        {
          fact:
            `Bucket ${facts.bucket} is a CloudFront origin (${facts.cloudFront.join('; ')}); CloudFront reads through its own ` +
            `principal, which block public access does not affect.`,
          source: 's3:GetBucketPolicy',
        },
      ]
    : []),
  ...(facts.production ? [{ fact: `Bucket ${facts.bucket} is tagged ${facts.production}.`, source: 's3:GetBucketTagging' }] : []),
];

const planFor = (scope: Scope, current: Block | undefined): Plan<BlockPlan> => {
  const settings = BLOCK_SETTINGS.map((k) => `${k}=true`).join(' ');
  // observed: the block this plan replaces (null: none), which a retry records as `before` once the block is on (types.ts).
  const parameters = { ...scope, observed: { publicAccessBlock: current ?? null } };
  return scope.scope === 'bucket'
    ? {
        summary: `Turn on all four block public access settings of bucket ${scope.bucket} (now ${describeBlock(current)})`,
        steps: [`s3:PutPublicAccessBlock Bucket=${scope.bucket} ${settings}`],
        reversible: true,
        parameters,
      }
    : {
        summary: `Turn on all four block public access settings for account ${scope.accountId} (now ${describeBlock(current)})`,
        steps: [`s3control:PutPublicAccessBlock AccountId=${scope.accountId} ${settings}`],
        reversible: true,
        parameters,
      };
};

async function assessBucket(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment<BlockPlan>> {
  const target = targetOf(finding);
  const bucket = bucketNameOf(finding);
  const s3 = ctx.clients.at(S3Client, target);
  const [current, account] = await Promise.all([
    bucketPublicAccessBlock(s3, bucket).then(blockOf),
    accountBlock(ctx.clients.at(S3ControlClient, target), finding.accountId),
  ]);
  const evidence: Evidence[] = [
    { fact: `Bucket ${bucket}'s public access block: ${describeBlock(current)}.`, source: 's3:GetPublicAccessBlock' },
    { fact: `Account ${finding.accountId}'s public access block: ${describeBlock(account)}.`, source: 's3control:GetPublicAccessBlock' },
  ];
  if (fullyOn(current)) return { risk: 'low', riskReason: `Bucket ${bucket} already blocks all public access`, evidence };

  const where = inRegion(target.accountId, target.region);
  const read = await readSignal(
    {
      what: `the policy, ACL, website configuration and tags of ${bucket}`,
      source: 's3:GetBucketPolicy, s3:GetBucketPolicyStatus, s3:GetBucketAcl, s3:GetBucketWebsite, s3:GetBucketTagging',
      where,
      window: NOW,
    },
    () => bucketFacts(s3, bucket, ctx, current),
  );
  const [cloudFront, accessPoints] = await Promise.all([
    cloudFrontOrigins(ctx.clients, target, bucket),
    accessPointsOf(ctx.clients, target, bucket),
  ]);
  const plan = planFor({ scope: 'bucket', bucket }, current);
  if (!read.seen) {
    evidence.push(read.evidence, ...cloudFront.evidence, ...accessPoints.evidence);
    return { risk: 'unknown', riskReason: `How ${bucket} is reached is not seen: ${read.evidence.fact}`, evidence, plan };
  }
  const facts = read.value;
  const restricted = current?.RestrictPublicBuckets || account?.RestrictPublicBuckets;
  const paths = [
    ...publicPaths(facts, account),
    // Block public access on the bucket applies to requests through its access points as well.
    ...(accessPoints.publicPoints.length > 0 && !restricted
      ? [`access point(s) ${accessPoints.publicPoints.join(', ')} have a public policy`]
      : []),
  ];
  evidence.push(
    ...factEvidence(facts, paths),
    ...cloudFront.evidence,
    ...accessPoints.evidence,
    ...productionAccountEvidence(finding.accountId, ctx.config),
  );
  const anonymousOrigins = cloudFront.origins.filter((o) => !o.signed).map((o) => o.distributionId);
  const high = [
    ...(paths.length > 0
      ? [
          `bucket ${bucket} is public now (${facts.website ? 'a static website' : paths.join('; ')}) and would stop serving ` +
            `anonymous readers` +
            (anonymousOrigins.length > 0 ? `, including CloudFront distribution(s) ${anonymousOrigins.join(', ')}` : ''),
        ]
      : []),
    ...(facts.production ? [`bucket ${bucket} is tagged ${facts.production}`] : []),
    ...(ctx.config.production.accountIds.includes(finding.accountId) ? [`account ${finding.accountId} is production`] : []),
  ];
  if (paths.length === 0)
    evidence.push({
      fact: `Bucket ${bucket} is not public by policy, ACL or access point: blocking changes no current access.`,
      source: 's3:GetBucketPolicyStatus, s3:GetBucketAcl, s3control:GetAccessPointPolicyStatus',
      where,
      window: NOW,
    });
  if (high.length > 0)
    return { risk: 'high', riskReason: `Blocking public access could break readers: ${high.join('; ')}`, evidence, plan };
  const unseen = unseenSignals(evidence);
  if (unseen.length > 0)
    return { risk: 'unknown', riskReason: `Not every way to reach ${bucket} was seen: ${unseen.join(' ')}`, evidence, plan };
  return {
    risk: 'low',
    riskReason: `Bucket ${bucket} is not public and not production: blocking changes no current access`,
    evidence,
    plan,
  };
}

/** Runs `work` over `items`, a few at a time (the S3 read quotas are generous, Lambda memory is not). */
const inBatches = async <T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> => {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += CONCURRENCY) results.push(...(await Promise.all(items.slice(i, i + CONCURRENCY).map(work))));
  return results;
};

async function assessAccount(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment<BlockPlan>> {
  const target = targetOf(finding);
  const accountId = finding.accountId;
  const current = await accountBlock(ctx.clients.at(S3ControlClient, target), accountId);
  const evidence: Evidence[] = [
    { fact: `Account ${accountId}'s public access block: ${describeBlock(current)}.`, source: 's3control:GetPublicAccessBlock' },
  ];
  if (fullyOn(current)) return { risk: 'low', riskReason: `Account ${accountId} already blocks all public access`, evidence };

  const buckets = (await ctx.clients.at(S3Client, target).send(new ListBucketsCommand({}))).Buckets ?? [];
  const checked = buckets.slice(0, MAX_CHECKED_BUCKETS);
  const reads = await inBatches(checked, async (b) => {
    const region = b.BucketRegion ?? target.region;
    const s3 = ctx.clients.at(S3Client, { accountId, region });
    const name = b.Name as string;
    // A bucket hubfix may not read (its policy denies the inspect role, say) may be public: unseen, not private.
    const signal = {
      what: `whether bucket ${name} is public`,
      source: 's3:GetPublicAccessBlock, s3:GetBucketPolicy, s3:GetBucketPolicyStatus, s3:GetBucketAcl, s3:GetBucketWebsite',
      where: inRegion(accountId, region),
      window: NOW,
    };
    return readSignal(signal, async () => {
      const bucketBlock = blockOf(await bucketPublicAccessBlock(s3, name));
      // A bucket that restricts public policies and ignores public ACLs itself cannot be public: nothing to read.
      if (bucketBlock?.RestrictPublicBuckets && bucketBlock.IgnorePublicAcls) return undefined;
      const facts = await bucketFacts(s3, name, ctx, bucketBlock);
      const paths = publicPaths(facts, current);
      return paths.length > 0 ? { facts, paths } : undefined;
    });
  });
  const losing = reads.flatMap((read) => (read.seen && read.value ? [read.value] : []));
  const unread = reads.flatMap((read) => (read.seen ? [] : [read.evidence]));

  evidence.push({
    fact:
      `${checked.length - unread.length} of ${buckets.length} bucket(s) checked; ${losing.length} public now and would lose public ` +
      `access: ` +
      `${losing.map((l) => l.facts.bucket).join(', ') || 'none'}.`,
    source: 's3:ListBuckets, s3:GetPublicAccessBlock, s3:GetBucketPolicyStatus, s3:GetBucketAcl',
  });
  for (const { facts, paths } of losing.slice(0, MAX_LISTED_BUCKETS)) evidence.push(...factEvidence(facts, paths));
  evidence.push(...unread);
  if (losing.length > MAX_LISTED_BUCKETS)
    evidence.push({ fact: `…and ${losing.length - MAX_LISTED_BUCKETS} more public bucket(s).`, source: 's3:ListBuckets' });
  evidence.push(...productionAccountEvidence(finding.accountId, ctx.config));

  const websites = losing.filter((l) => l.facts.website).map((l) => l.facts.bucket);
  const high = [
    ...(losing.length > 0
      ? [
          `${losing.length} bucket(s) would lose public access (${losing
            .slice(0, 5)
            .map((l) => l.facts.bucket)
            .join(', ')}${websites.length ? `; websites: ${websites.join(', ')}` : ''})`,
        ]
      : []),
    ...(buckets.length > checked.length ? [`${buckets.length - checked.length} bucket(s) were not checked`] : []),
    ...(ctx.config.production.accountIds.includes(accountId) ? [`account ${accountId} is production`] : []),
  ];
  const plan = planFor({ scope: 'account', accountId }, current);
  if (high.length > 0)
    return { risk: 'high', riskReason: `Blocking public access account-wide could break readers: ${high.join('; ')}`, evidence, plan };
  return unread.length > 0
    ? { risk: 'unknown', riskReason: `${unread.length} bucket(s) could not be read: ${unseenSignals(unread).join(' ')}`, evidence, plan }
    : { risk: 'low', riskReason: `No bucket in account ${accountId} is public: blocking changes no current access`, evidence, plan };
}

/** The scope a plan or change names, when it is the finding's bucket or account. */
const scopeOf = (finding: FindingRef, named: Scope): Scope => {
  if (named.scope === 'bucket' && named.bucket === bucketNameOf(finding)) return { scope: 'bucket', bucket: named.bucket };
  if (named.scope === 'account' && named.accountId === finding.accountId) return { scope: 'account', accountId: finding.accountId };
  throw new InvalidInputError(`The plan does not name the bucket or account of finding ${finding.id}`);
};

/** The S3 side of each scope: read, write and remove its public access block. */
const blockApi = (finding: FindingRef, scope: Scope, ctx: ControlContext): BlockApi => {
  const target = targetOf(finding);
  if (scope.scope === 'bucket') return bucketBlockApi(ctx.clients.at(S3Client, target), scope.bucket);
  const s3control = ctx.clients.at(S3ControlClient, target);
  return {
    label: `account ${scope.accountId}`,
    read: () => accountBlock(s3control, scope.accountId),
    put: async (block: Block) =>
      void (await s3control.send(
        new PutAccountPublicAccessBlockCommand({ AccountId: scope.accountId, PublicAccessBlockConfiguration: block }),
      )),
    remove: async () => void (await s3control.send(new DeleteAccountPublicAccessBlockCommand({ AccountId: scope.accountId }))),
  };
};

/** Sets the block of the scope to `wanted` (undefined: no configuration at all), recording what it was. */
const setBlock = async (
  finding: FindingRef,
  scope: Scope,
  wanted: Block | undefined,
  ctx: ControlContext,
  startedFrom: Block | null | undefined,
): Promise<ChangeRecord<BlockChange>> => {
  const { before, summary } = await applyBlock(blockApi(finding, scope, ctx), wanted, startedFrom);
  return {
    summary,
    before: { ...scope, publicAccessBlock: before },
    after: { ...scope, publicAccessBlock: wanted ?? null },
    changedAt: ctx.now().toISOString(),
    reversible: true,
  };
};

/** Remediate and rollback read and write the same blocks (removing one is authorized as putting one). */
const blockReadsAndWrites = [
  's3:GetBucketPublicAccessBlock',
  's3:GetAccountPublicAccessBlock',
  's3:PutBucketPublicAccessBlock',
  's3:PutAccountPublicAccessBlock',
];

export const s3PublicAccess = defineControl({
  id: 's3-public-access',
  title: 'S3 block public access: account and bucket level',
  ids: ['S3.1', 'S3.8'],
  cisRefs: ['1.4.0/2.1.5.1', '1.4.0/2.1.5.2', '3.0.0/2.1.4'],
  resourceTypes: ['AwsAccount', 'AwsS3Bucket'],
  assesses:
    'Bucket and account public access blocks, bucket policy status and public statements, ACL grants to AllUsers/AuthenticatedUsers, ' +
    'static website hosting, CloudFront OAC/OAI principals in the policy, production tags; for S3.1 every bucket of the account ' +
    'that would lose public access',
  changes:
    'Turns on all four block public access settings of the bucket (S3.8) or the account (S3.1); policies and ACLs are left as they are',
  reversible: true,
  automation: 'automated',
  // A public website breaks when blocked: a person decides even when assess finds nothing public.
  defaultMode: 'on-request',
  signals: [
    {
      signal: 'Block public access of the bucket and the account',
      source: 's3:GetPublicAccessBlock, s3control:GetPublicAccessBlock, current configuration',
      blindSpots: 'Organization-level policies (SCPs, RCPs) that also block public access',
      whenMissing: 'The read fails the assessment: nothing is changed and the finding is annotated with what failed',
    },
    {
      signal: 'How the public reaches the bucket: bucket policy (status and public statements), ACL grants, static website hosting, tags',
      source:
        's3:GetBucketPolicy, s3:GetBucketPolicyStatus, s3:GetBucketAcl, s3:GetBucketWebsite, s3:GetBucketTagging, current configuration',
      blindSpots: 'Object ACLs; who actually reads anonymously (no data events read); S3.1 checks at most 500 buckets and says so',
      whenMissing: 'Unreadable (access denied, throttled): an unseen line naming the bucket, risk unknown, a person decides',
    },
    {
      signal: 'CloudFront distributions whose origin is the bucket, signed (OAC/OAI) or anonymous',
      source: 'cloudfront:ListDistributions, every page, the account\u2019s distributions (global)',
      blindSpots: 'Distributions of other accounts or partitions using the bucket (GovCloud offers no CloudFront)',
      whenMissing: 'Unreadable (access denied, throttled, not offered): an unseen line, risk unknown, a person decides',
    },
    {
      signal: 'Access points of the bucket and which have a public policy',
      source: 's3control:ListAccessPoints (Bucket filter), s3control:GetAccessPointPolicyStatus, in the bucket\u2019s region',
      blindSpots: 'Multi-Region Access Points; access points of other accounts (cross-account access points)',
      whenMissing: 'Unreadable (access denied, throttled, not offered): an unseen line, risk unknown, a person decides',
    },
  ],
  planSchema,
  changeSchema,
  permissions: {
    // GetPublicAccessBlock (bucket) is s3:GetBucketPublicAccessBlock, s3control's is s3:GetAccountPublicAccessBlock;
    // ListBuckets is s3:ListAllMyBuckets; removing a block is authorized as putting one.
    assess: [
      's3:GetBucketPublicAccessBlock',
      's3:GetAccountPublicAccessBlock',
      's3:ListAllMyBuckets',
      's3:GetBucketPolicy',
      's3:GetBucketPolicyStatus',
      's3:GetBucketAcl',
      's3:GetBucketWebsite',
      's3:GetBucketTagging',
      // Who reaches the bucket besides itself: CloudFront origins and access points (ListAccessPoints is s3:ListAccessPoints).
      'cloudfront:ListDistributions',
      's3:ListAccessPoints',
      's3:GetAccessPointPolicyStatus',
    ],
    verify: ['s3:GetBucketPublicAccessBlock', 's3:GetAccountPublicAccessBlock'],
    remediate: blockReadsAndWrites,
    rollback: blockReadsAndWrites,
  },
  assess: (finding, ctx) => (finding.controlId === 'S3.1' ? assessAccount(finding, ctx) : assessBucket(finding, ctx)),
  remediate: async (finding, { parameters: p }, ctx) => setBlock(finding, scopeOf(finding, p), ALL_ON, ctx, p.observed?.publicAccessBlock),
  async verify(finding, change, ctx) {
    const scope = scopeOf(finding, change.after);
    const api = blockApi(finding, scope, ctx);
    const observed = await api.read();
    if (!fullyOn(observed)) throw new VerificationFailedError(`The public access block of ${api.label} is ${describeBlock(observed)}`);
    return `S3 reports all four block public access settings on for ${api.label}`;
  },
  rollback: (finding, { before, after }, ctx) =>
    setBlock(finding, scopeOf(finding, before), before.publicAccessBlock ?? undefined, ctx, after.publicAccessBlock ?? undefined),
});

export default s3PublicAccess;
