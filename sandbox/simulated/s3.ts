import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import * as z from 'zod';
import { fixtureDate, resolveDate, tagsSchema } from './dates';
import { arnPrefix } from './partitions';
import { defineModule, SimulatedServiceError, tagList, type SimContext } from './service';

/**
 * S3 buckets (S3Client) and the account-level public access block (S3ControlClient). What hubfix depends
 * on is mimicked: the NoSuch* errors for absent sub-resources, PermanentRedirect for a client in the wrong
 * region, PutBucketPolicy refusing a public policy under BlockPublicPolicy and a policy naming another
 * bucket, and CloudTrail log files (gzip JSON) delivered to a trail's bucket.
 */

const publicAccessBlockSchema = z
  .object({
    blockPublicAcls: z.boolean().default(false),
    ignorePublicAcls: z.boolean().default(false),
    blockPublicPolicy: z.boolean().default(false),
    restrictPublicBuckets: z.boolean().default(false),
  })
  .describe('A public access block configuration; an omitted setting is false, as in AWS');
type PublicAccessBlock = z.infer<typeof publicAccessBlockSchema>;

const dataEvent = z
  .object({
    eventTime: fixtureDate,
    eventSource: z.string().default('s3.amazonaws.com').describe('e.g. dynamodb.amazonaws.com; default s3.amazonaws.com'),
    eventCategory: z.enum(['Data', 'Management']).default('Data').describe('A trail delivers both; LookupEvents only management'),
    bucket: z.string().optional().describe('The bucket the request was made to (S3 events)'),
    eventName: z.string().default('GetObject'),
    key: z.string().default('index.html'),
    requestParameters: z.record(z.string(), z.unknown()).optional().describe('Other services: e.g. { "tableName": "orders" }'),
    accessKeyId: z.string().optional().describe('The access key that signed the request'),
    userName: z.string().optional(),
    accountId: z
      .string()
      .regex(/^\d{12}$/)
      .optional()
      .describe("The account the call was made in (an organization trail's bucket holds every member's); default: the bucket's"),
    region: z.string().default('us-east-1').describe("The region the call was made in (S3: the bucket's region)"),
    tlsVersion: z
      .string()
      .nullable()
      .default('TLSv1.3')
      .describe('null: the request came over plain HTTP (CloudTrail then has no tlsDetails)'),
    sourceIPAddress: z.string().default('203.0.113.20'),
    userAgent: z.string().default('aws-sdk-java/2.25.0'),
  })
  .refine((e) => e.eventSource !== 's3.amazonaws.com' || e.bucket !== undefined, { message: 'an S3 event names its bucket' });
type TrailEvent = Omit<z.infer<typeof dataEvent>, 'eventTime'> & { time: Date };

const bucketSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name'),
  region: z.string().default('us-east-1'),
  creationDate: fixtureDate.default('now-365d'),
  tags: tagsSchema,
  policy: z
    .union([z.string(), z.record(z.string(), z.unknown())])
    .optional()
    .describe('The bucket policy, as a JSON string or object; absent: no policy'),
  acl: z
    .enum(['private', 'public-read', 'public-read-write', 'authenticated-read'])
    .default('private')
    .describe('The canned ACL the bucket has'),
  website: z
    .object({ indexDocument: z.string().default('index.html'), errorDocument: z.string().optional() })
    .optional()
    .describe('Static website hosting; absent: not a website'),
  publicAccessBlock: publicAccessBlockSchema.optional().describe('Absent: no bucket-level public access block'),
  cloudTrailLogs: z
    .object({
      prefix: z.string().default(''),
      organizationId: z
        .string()
        .optional()
        .describe("Set: an organization trail's bucket, files under AWSLogs/<organizationId>/<account>/CloudTrail/"),
      events: z.array(dataEvent).default([]),
    })
    .optional()
    .describe("This bucket receives a trail's log files: the S3 data events in them (served as AWSLogs/... .json.gz objects)"),
});

interface BucketState {
  name: string;
  region: string;
  creationDate: Date;
  tags: Record<string, string>;
  policy?: string;
  acl: z.infer<typeof bucketSchema>['acl'];
  website?: { indexDocument: string; errorDocument?: string };
  publicAccessBlock?: PublicAccessBlock;
  trailLogs?: { prefix: string; organizationId?: string; events: TrailEvent[] };
}

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
const OWNER_ID = '75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a';

/** Condition keys that pin a statement to known callers, so a "*" principal under them is not public (as Access Analyzer judges). */
const PINNING_KEYS = [
  'aws:sourcearn',
  'aws:sourceaccount',
  'aws:sourceowner',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:principalorgid',
  'aws:principalaccount',
  'aws:principalarn',
  'aws:userid',
  'aws:sourceip',
  's3:dataaccesspointarn',
  's3:dataaccesspointaccount',
];

const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

interface PolicyStatement {
  Effect?: string;
  Principal?: unknown;
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

const isWildcardPrincipal = (principal: unknown): boolean =>
  principal === '*' ||
  (typeof principal === 'object' && principal !== null && asList((principal as { AWS?: string | string[] }).AWS).includes('*'));

/** Whether a policy grants anyone (a "*" principal without a pinning condition) access: what GetBucketPolicyStatus reports. */
export const isPublicPolicy = (policy: string): boolean =>
  asList((JSON.parse(policy) as { Statement?: PolicyStatement | PolicyStatement[] }).Statement).some((s) => {
    if (s.Effect !== 'Allow' || !isWildcardPrincipal(s.Principal)) return false;
    const keys = Object.values(s.Condition ?? {}).flatMap((byKey) => Object.keys(byKey).map((k) => k.toLowerCase()));
    return !keys.some((k) => PINNING_KEYS.includes(k));
  });

const grantsOf = (acl: BucketState['acl']) => {
  const owner = { Grantee: { Type: 'CanonicalUser', ID: OWNER_ID, DisplayName: 'owner' }, Permission: 'FULL_CONTROL' };
  const group = (uri: string, permission: string) => ({ Grantee: { Type: 'Group', URI: uri }, Permission: permission });
  switch (acl) {
    case 'public-read':
      return [owner, group(ALL_USERS, 'READ')];
    case 'public-read-write':
      return [owner, group(ALL_USERS, 'READ'), group(ALL_USERS, 'WRITE')];
    case 'authenticated-read':
      return [owner, group(AUTHENTICATED_USERS, 'READ')];
    default:
      return [owner];
  }
};

/** S3 validates a policy document before storing it; these are the checks hubfix could trip (a resource of another partition too). */
const validatePolicy = (bucket: string, region: string, policy: unknown): string => {
  if (typeof policy !== 'string')
    throw new SimulatedServiceError('MalformedPolicy', "Policies must be valid JSON and the first byte must be '{'");
  let document: { Statement?: PolicyStatement | PolicyStatement[] };
  try {
    document = JSON.parse(policy) as typeof document;
  } catch {
    throw new SimulatedServiceError('MalformedPolicy', "Policies must be valid JSON and the first byte must be '{'");
  }
  const statements = asList(document.Statement);
  if (statements.length === 0) throw new SimulatedServiceError('MalformedPolicy', 'Missing required field Statement');
  for (const statement of statements) {
    for (const resource of asList(statement.Resource)) {
      const arn = `${arnPrefix(region)}s3:::${bucket}`;
      if (resource !== arn && !resource.startsWith(`${arn}/`)) {
        throw new SimulatedServiceError('MalformedPolicy', 'Policy has invalid resource');
      }
    }
  }
  return policy;
};

const toSdkBlock = (block: PublicAccessBlock) => ({
  BlockPublicAcls: block.blockPublicAcls,
  IgnorePublicAcls: block.ignorePublicAcls,
  BlockPublicPolicy: block.blockPublicPolicy,
  RestrictPublicBuckets: block.restrictPublicBuckets,
});

const fromSdkBlock = (input: Record<string, unknown>): PublicAccessBlock => {
  const config = input.PublicAccessBlockConfiguration as Record<string, unknown> | undefined;
  if (!config)
    throw new SimulatedServiceError(
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema',
    );
  return {
    blockPublicAcls: config.BlockPublicAcls === true,
    ignorePublicAcls: config.IgnorePublicAcls === true,
    blockPublicPolicy: config.BlockPublicPolicy === true,
    restrictPublicBuckets: config.RestrictPublicBuckets === true,
  };
};

const noBlock = (message: string) => new SimulatedServiceError('NoSuchPublicAccessBlockConfiguration', message);

/** A trail's log file key, as CloudTrail names them (one file per account, region and five minutes here). */
const logKey = (prefix: string, organizationId: string | undefined, accountId: string, region: string, time: Date): string => {
  const window = new Date(Math.floor(time.getTime() / 300_000) * 300_000);
  const iso = window.toISOString();
  const [yyyy, mm, dd] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  const stamp = `${yyyy}${mm}${dd}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
  const suffix = createHash('sha256').update(`${accountId}${region}${stamp}`).digest('hex').slice(0, 16);
  const logs = `${prefix ? `${prefix}/` : ''}AWSLogs/${organizationId ? `${organizationId}/` : ''}${accountId}`;
  return `${logs}/CloudTrail/${region}/${yyyy}/${mm}/${dd}/${accountId}_CloudTrail_${region}_${stamp}_${suffix}.json.gz`;
};

const s3Parts = (e: TrailEvent, accountId: string) =>
  e.eventSource === 's3.amazonaws.com'
    ? {
        requestParameters: { bucketName: e.bucket, Host: `${e.bucket}.s3.${e.region}.amazonaws.com`, key: e.key },
        resources: [
          { type: 'AWS::S3::Object', ARN: `${arnPrefix(e.region)}s3:::${e.bucket}/${e.key}` },
          { accountId, type: 'AWS::S3::Bucket', ARN: `${arnPrefix(e.region)}s3:::${e.bucket}` },
        ],
      }
    : { requestParameters: e.requestParameters ?? null };

const cloudTrailRecord = (e: TrailEvent, accountId: string) => ({
  eventVersion: '1.10',
  userIdentity: {
    type: 'IAMUser',
    accountId,
    ...(e.accessKeyId ? { accessKeyId: e.accessKeyId } : {}),
    ...(e.userName ? { userName: e.userName } : {}),
  },
  eventTime: e.time.toISOString(),
  eventSource: e.eventSource,
  eventName: e.eventName,
  awsRegion: e.region,
  sourceIPAddress: e.sourceIPAddress,
  userAgent: e.userAgent,
  ...s3Parts(e, accountId),
  eventType: 'AwsApiCall',
  managementEvent: e.eventCategory === 'Management',
  recipientAccountId: accountId,
  eventCategory: e.eventCategory,
  ...(e.tlsVersion
    ? {
        tlsDetails: {
          tlsVersion: e.tlsVersion,
          cipherSuite: 'TLS_AES_128_GCM_SHA256',
          clientProvidedHostHeader: e.bucket
            ? `${e.bucket}.s3.${e.region}.amazonaws.com`
            : `${e.eventSource.replace('.amazonaws.com', '')}.${e.region}.amazonaws.com`,
        },
      }
    : {}),
});

/** The log objects a trail bucket holds: key → gzip JSON { Records }. */
const logObjects = (bucket: BucketState, accountId: string): Map<string, Buffer> => {
  const files = new Map<string, ReturnType<typeof cloudTrailRecord>[]>();
  for (const event of bucket.trailLogs?.events ?? []) {
    const caller = event.accountId ?? accountId;
    const key = logKey(bucket.trailLogs?.prefix ?? '', bucket.trailLogs?.organizationId, caller, event.region, event.time);
    files.set(key, [...(files.get(key) ?? []), cloudTrailRecord(event, caller)]);
  }
  return new Map(
    [...files].sort(([a], [b]) => a.localeCompare(b)).map(([key, records]) => [key, gzipSync(JSON.stringify({ Records: records }))]),
  );
};

/** Enough of the SDK's streaming body (SdkStreamMixin) for code that reads a whole object. */
const streamBody = (bytes: Buffer) => ({
  transformToByteArray: async () => new Uint8Array(bytes),
  transformToString: async (encoding: BufferEncoding = 'utf-8') => bytes.toString(encoding),
});

export const s3BucketsModule = defineModule({
  key: 's3',
  clientName: 'S3Client',
  fixture: z.object({ buckets: z.array(bucketSchema).default([]) }).prefault({}),
  load: (fixture, now) =>
    new Map<string, BucketState>(
      fixture.buckets.map((b) => [
        b.name,
        {
          name: b.name,
          region: b.region,
          creationDate: resolveDate(b.creationDate, now),
          tags: { ...b.tags },
          policy: b.policy === undefined ? undefined : typeof b.policy === 'string' ? b.policy : JSON.stringify(b.policy),
          acl: b.acl,
          website: b.website && { ...b.website },
          publicAccessBlock: b.publicAccessBlock && { ...b.publicAccessBlock },
          trailLogs: b.cloudTrailLogs && {
            prefix: b.cloudTrailLogs.prefix,
            organizationId: b.cloudTrailLogs.organizationId,
            events: b.cloudTrailLogs.events.map(({ eventTime, ...e }) => ({ ...e, time: resolveDate(eventTime, now) })),
          },
        },
      ]),
    ),
  commands: (state) => {
    /** The bucket a request names; S3 answers a client of another region with a redirect the SDK surfaces as an error. */
    const bucket = (input: Record<string, unknown>, ctx: SimContext): BucketState => {
      const found = state(ctx.accountId).get(String(input.Bucket));
      if (!found) throw new SimulatedServiceError('NoSuchBucket', 'The specified bucket does not exist');
      if (found.region !== ctx.region) {
        throw new SimulatedServiceError(
          'PermanentRedirect',
          `The bucket you are attempting to access must be addressed using the specified endpoint (bucket region ${found.region}).`,
        );
      }
      return found;
    };
    const policyOf = (b: BucketState): string => {
      if (b.policy === undefined) throw new SimulatedServiceError('NoSuchBucketPolicy', 'The bucket policy does not exist');
      return b.policy;
    };
    return {
      ListBuckets: (_input, ctx) => ({
        Buckets: [...state(ctx.accountId).values()].map((b) => ({ Name: b.name, CreationDate: b.creationDate, BucketRegion: b.region })),
        Owner: { ID: OWNER_ID, DisplayName: 'owner' },
      }),
      // LocationConstraint is null for us-east-1, as in AWS; any region's client may ask.
      GetBucketLocation: (input, ctx) => {
        const found = state(ctx.accountId).get(String(input.Bucket));
        if (!found) throw new SimulatedServiceError('NoSuchBucket', 'The specified bucket does not exist');
        return { LocationConstraint: found.region === 'us-east-1' ? undefined : found.region };
      },
      GetBucketPolicy: (input, ctx) => ({ Policy: policyOf(bucket(input, ctx)) }),
      GetBucketPolicyStatus: (input, ctx) => ({ PolicyStatus: { IsPublic: isPublicPolicy(policyOf(bucket(input, ctx))) } }),
      PutBucketPolicy: (input, ctx) => {
        const b = bucket(input, ctx);
        const policy = validatePolicy(b.name, b.region, input.Policy);
        // The account-level block lives in the S3 Control module; the bucket-level one is enforced here.
        if (b.publicAccessBlock?.blockPublicPolicy && isPublicPolicy(policy))
          throw new SimulatedServiceError('AccessDenied', 'Access Denied');
        b.policy = policy;
        return {};
      },
      DeleteBucketPolicy: (input, ctx) => {
        bucket(input, ctx).policy = undefined;
        return {};
      },
      GetBucketAcl: (input, ctx) => ({ Owner: { ID: OWNER_ID, DisplayName: 'owner' }, Grants: grantsOf(bucket(input, ctx).acl) }),
      GetBucketWebsite: (input, ctx) => {
        const website = bucket(input, ctx).website;
        if (!website)
          throw new SimulatedServiceError('NoSuchWebsiteConfiguration', 'The specified bucket does not have a website configuration');
        return {
          IndexDocument: { Suffix: website.indexDocument },
          ...(website.errorDocument ? { ErrorDocument: { Key: website.errorDocument } } : {}),
        };
      },
      GetBucketTagging: (input, ctx) => {
        const tags = bucket(input, ctx).tags;
        if (Object.keys(tags).length === 0) throw new SimulatedServiceError('NoSuchTagSet', 'The TagSet does not exist');
        return { TagSet: tagList(tags) };
      },
      GetPublicAccessBlock: (input, ctx) => {
        const block = bucket(input, ctx).publicAccessBlock;
        if (!block) throw noBlock('The public access block configuration was not found');
        return { PublicAccessBlockConfiguration: toSdkBlock(block) };
      },
      PutPublicAccessBlock: (input, ctx) => {
        bucket(input, ctx).publicAccessBlock = fromSdkBlock(input);
        return {};
      },
      DeletePublicAccessBlock: (input, ctx) => {
        bucket(input, ctx).publicAccessBlock = undefined;
        return {};
      },
      ListObjectsV2: (input, ctx) => {
        const b = bucket(input, ctx);
        const prefix = String(input.Prefix ?? '');
        const max = Math.min(Number(input.MaxKeys ?? 1000), 1000);
        const after = input.ContinuationToken ? String(input.ContinuationToken) : String(input.StartAfter ?? '');
        const keys = [...logObjects(b, ctx.accountId)].filter(([key]) => key.startsWith(prefix) && key > after);
        const page = keys.slice(0, max);
        const truncated = keys.length > max;
        return {
          Name: b.name,
          Prefix: prefix,
          KeyCount: page.length,
          MaxKeys: max,
          IsTruncated: truncated,
          ...(truncated ? { NextContinuationToken: page[page.length - 1][0] } : {}),
          Contents: page.length > 0 ? page.map(([Key, body]) => ({ Key, Size: body.length, StorageClass: 'STANDARD' })) : undefined,
        };
      },
      GetObject: (input, ctx) => {
        const body = logObjects(bucket(input, ctx), ctx.accountId).get(String(input.Key));
        if (!body) throw new SimulatedServiceError('NoSuchKey', 'The specified key does not exist.');
        return { Body: streamBody(body), ContentLength: body.length, ContentType: 'application/json', ContentEncoding: 'gzip' };
      },
    };
  },
  snapshot: (buckets) =>
    Object.fromEntries(
      [...buckets.values()].map((b) => [
        `bucket/${b.name}`,
        {
          publicAccessBlock: b.publicAccessBlock
            ? Object.entries(b.publicAccessBlock)
                .filter(([, on]) => on)
                .map(([k]) => k)
                .join(',') || 'all off'
            : 'none',
          policy:
            b.policy === undefined
              ? 'none'
              : asList((JSON.parse(b.policy) as { Statement?: { Sid?: string }[] }).Statement)
                  .map((s, i) => s.Sid ?? `#${i + 1}`)
                  .join(','),
        },
      ]),
    ),
});

/** The account-level public access block (S3 Control; global, so any region's client sees it). */
export const s3AccountPublicAccessBlockModule = defineModule({
  key: 's3Control',
  clientName: 'S3ControlClient',
  fixture: z
    .object({ publicAccessBlock: publicAccessBlockSchema.optional().describe('Absent: no account-level public access block') })
    .prefault({}),
  load: (fixture): { publicAccessBlock?: PublicAccessBlock } => ({
    publicAccessBlock: fixture.publicAccessBlock && { ...fixture.publicAccessBlock },
  }),
  commands: (state) => {
    const account = (input: Record<string, unknown>, ctx: SimContext) => {
      if (input.AccountId !== ctx.accountId) throw new SimulatedServiceError('AccessDenied', 'Access Denied');
      return state(ctx.accountId);
    };
    return {
      GetPublicAccessBlock: (input, ctx) => {
        const block = account(input, ctx).publicAccessBlock;
        if (!block) throw noBlock('The public access block configuration was not found');
        return { PublicAccessBlockConfiguration: toSdkBlock(block) };
      },
      PutPublicAccessBlock: (input, ctx) => {
        account(input, ctx).publicAccessBlock = fromSdkBlock(input);
        return {};
      },
      DeletePublicAccessBlock: (input, ctx) => {
        account(input, ctx).publicAccessBlock = undefined;
        return {};
      },
    };
  },
  snapshot: (s) => ({
    account: s.publicAccessBlock
      ? Object.entries(s.publicAccessBlock)
          .filter(([, on]) => on)
          .map(([k]) => k)
          .join(',') || 'all off'
      : 'none',
  }),
});
