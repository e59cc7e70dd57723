import { defaultConfig } from '../../platform/config';
import { s3PublicAccess } from './definition';
import { SimulatedServiceError } from '../../../sandbox/simulated-aws';
import { accountResource, findingRef } from '../../../test/support/finding-ref';
import { simulatedAccount } from '../../../test/support/simulated-account';
import { HOME_ACCOUNT } from '../../../test/support/workflow';

const finding = (controlId: 'S3.1' | 'S3.8', bucket?: string, region = 'us-east-1') =>
  findingRef(controlId, bucket ? { type: 'AwsS3Bucket', id: `arn:aws:s3:::${bucket}` } : accountResource(), { region });

const publicRead = (bucket: string) => ({
  Version: '2012-10-17',
  Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }],
});
const cloudFrontOac = (bucket: string) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'AllowCloudFrontServicePrincipal',
      Effect: 'Allow',
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${bucket}/*`,
      Condition: { StringEquals: { 'AWS:SourceArn': `arn:aws:cloudfront::${HOME_ACCOUNT}:distribution/E2QWRUHAPOMQZL` } },
    },
  ],
});
const ALL_ON = { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true };

const account = (buckets: unknown[], s3Control: Record<string, unknown> = {}) => ({ [HOME_ACCOUNT]: { s3: { buckets }, s3Control } });
const snapshotOf = (sim: ReturnType<typeof simulatedAccount>['sim']) =>
  sim.snapshot()[HOME_ACCOUNT] as { s3: Record<string, { publicAccessBlock: string }>; s3Control: { account: string } };

describe('s3-public-access assess (S3.8, a bucket)', () => {
  it('rates a private bucket reached only by CloudFront (OAC) as low risk, and says CloudFront is unaffected', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account([{ name: 'assets-origin', policy: cloudFrontOac('assets-origin') }]));

    // Act
    const result = await s3PublicAccess.assess(finding('S3.8', 'assets-origin'), ctx);

    // Assess
    expect(result.risk).toBe('low');
    expect(result.plan?.parameters).toEqual({ scope: 'bucket', bucket: 'assets-origin', observed: { publicAccessBlock: null } });
    expect(result.plan?.steps).toEqual([
      's3:PutPublicAccessBlock Bucket=assets-origin BlockPublicAcls=true IgnorePublicAcls=true BlockPublicPolicy=true ' +
        'RestrictPublicBuckets=true',
    ]);
    const facts = result.evidence.map((e) => e.fact).join('\n');
    expect(facts).toContain('is a CloudFront origin (origin access control of distribution E2QWRUHAPOMQZL)');
    expect(facts).toContain('is not public by policy, ACL or access point');
  });

  it('rates a public static website as high risk, with the website, the public statement and the production tag as evidence', async () => {
    // Prepare
    const { ctx } = simulatedAccount(
      account([
        { name: 'www-example', policy: publicRead('www-example'), website: { indexDocument: 'index.html' }, tags: { Environment: 'prod' } },
      ]),
    );

    // Act
    const result = await s3PublicAccess.assess(finding('S3.8', 'www-example'), ctx);

    // Assess
    expect(result.risk).toBe('high');
    expect(result.riskReason).toContain('bucket www-example is public now (a static website)');
    expect(result.riskReason).toContain('tagged Environment=prod');
    expect(result.evidence).toEqual(
      expect.arrayContaining([
        {
          fact: 'Bucket www-example is public now: its bucket policy is public (PublicRead (s3:GetObject)).',
          source: 's3:GetBucketPolicyStatus, s3:GetBucketPolicy, s3:GetBucketAcl',
        },
        {
          fact: 'Bucket www-example serves a static website (index document index.html); blocking public access takes the site down (403).',
          source: 's3:GetBucketWebsite',
        },
        { fact: 'Bucket www-example is tagged Environment=prod.', source: 's3:GetBucketTagging' },
      ]),
    );
  });

  it('sees a public-read ACL, and no longer counts it once the account ignores public ACLs', async () => {
    // Prepare
    const open = simulatedAccount(account([{ name: 'downloads', acl: 'public-read' }]));
    const ignored = simulatedAccount(
      account([{ name: 'downloads', acl: 'public-read' }], { publicAccessBlock: { ignorePublicAcls: true } }),
    );

    // Act
    const [openResult, ignoredResult] = await Promise.all([
      s3PublicAccess.assess(finding('S3.8', 'downloads'), open.ctx),
      s3PublicAccess.assess(finding('S3.8', 'downloads'), ignored.ctx),
    ]);

    // Assess
    expect(openResult.risk).toBe('high');
    expect(openResult.evidence.map((e) => e.fact)).toContain('Bucket downloads is public now: its ACL grants READ to everyone (AllUsers).');
    expect(ignoredResult.risk).toBe('low');
    expect(ignoredResult.evidence.map((e) => e.fact)).toContain("Account 111111111111's public access block: only IgnorePublicAcls on.");
  });

  it('treats a production account as high risk even for a private bucket', async () => {
    // Prepare
    const config = { ...defaultConfig(), production: { ...defaultConfig().production, accountIds: [HOME_ACCOUNT] } };
    const { ctx } = simulatedAccount(account([{ name: 'private-data' }]), config);

    // Act
    const result = await s3PublicAccess.assess(finding('S3.8', 'private-data'), ctx);

    // Assess
    expect(result.risk).toBe('high');
    expect(result.riskReason).toContain(`account ${HOME_ACCOUNT} is production`);
  });

  it('plans nothing for a bucket that already blocks all public access', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account([{ name: 'locked', publicAccessBlock: ALL_ON, policy: publicRead('locked') }]));

    // Act
    const result = await s3PublicAccess.assess(finding('S3.8', 'locked'), ctx);

    // Assess
    expect(result.plan).toBeUndefined();
    expect(result.riskReason).toBe('Bucket locked already blocks all public access');
  });

  it('reads the bucket in its own region, and reports a bucket that is gone', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account([{ name: 'eu-private', region: 'eu-west-1' }]));

    // Act
    const inRegion = await s3PublicAccess.assess(finding('S3.8', 'eu-private', 'eu-west-1'), ctx);
    const gone = s3PublicAccess.assess(finding('S3.8', 'deleted-bucket'), ctx);

    // Assess
    expect(inRegion.risk).toBe('low');
    await expect(gone).rejects.toMatchObject({ name: 'ResourceNotFoundError', message: 'S3 bucket deleted-bucket no longer exists' });
  });
});

describe('s3-public-access assess (S3.1, the account)', () => {
  it('lists every bucket, in any region, that would lose public access', async () => {
    // Prepare
    const { ctx } = simulatedAccount(
      account([
        { name: 'www-example', policy: publicRead('www-example'), website: { indexDocument: 'index.html' } },
        { name: 'eu-downloads', region: 'eu-west-1', acl: 'public-read' },
        { name: 'assets-origin', policy: cloudFrontOac('assets-origin') },
        { name: 'locked', publicAccessBlock: ALL_ON, acl: 'public-read' },
      ]),
    );

    // Act
    const result = await s3PublicAccess.assess(finding('S3.1'), ctx);

    // Assess
    expect(result.risk).toBe('high');
    expect(result.riskReason).toContain('2 bucket(s) would lose public access (www-example, eu-downloads; websites: www-example)');
    const facts = result.evidence.map((e) => e.fact);
    expect(facts).toContain('4 of 4 bucket(s) checked; 2 public now and would lose public access: www-example, eu-downloads.');
    expect(facts).toContain('Bucket eu-downloads is public now: its ACL grants READ to everyone (AllUsers).');
    expect(result.plan?.steps).toEqual([
      `s3control:PutPublicAccessBlock AccountId=${HOME_ACCOUNT} BlockPublicAcls=true IgnorePublicAcls=true BlockPublicPolicy=true ` +
        `RestrictPublicBuckets=true`,
    ]);
  });

  it('rates the account unknown, naming the bucket, when a bucket cannot be read (never low: it may be public)', async () => {
    // Prepare: the second bucket's policy denies hubfix-inspect; the first is private.
    const { sim, ctx } = simulatedAccount(account([{ name: 'logs' }, { name: 'partner-drop' }]));
    sim.faults = (call, input) => {
      if (call.command.startsWith('GetBucket') && input.Bucket === 'partner-drop')
        throw new SimulatedServiceError('AccessDenied', 'Access Denied');
    };

    // Act
    const result = await s3PublicAccess.assess(finding('S3.1'), ctx);

    // Assess
    expect(result.risk).toBe('unknown');
    expect(result.riskReason).toContain('1 bucket(s) could not be read');
    const unseen = result.evidence.filter((e) => e.unseen);
    expect(unseen).toEqual([
      expect.objectContaining({
        fact:
          'Could not read whether bucket partner-drop is public (AccessDenied): that usage is not seen, ' +
          'so the blast radius is unknown.',
        where: `account ${HOME_ACCOUNT}, us-east-1`,
      }),
    ]);
    expect(result.evidence.map((e) => e.fact)).toContain('1 of 2 bucket(s) checked; 0 public now and would lose public access: none.');
  });

  it('rates an account whose buckets are all private as low risk', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account([{ name: 'assets-origin', policy: cloudFrontOac('assets-origin') }, { name: 'logs' }]));

    // Act
    const result = await s3PublicAccess.assess(finding('S3.1'), ctx);

    // Assess
    expect(result.risk).toBe('low');
    expect(result.plan?.parameters).toEqual({ scope: 'account', accountId: HOME_ACCOUNT, observed: { publicAccessBlock: null } });
  });
});

describe('s3-public-access remediate, verify, rollback', () => {
  it('turns on the bucket block, verifies it, and rollback restores the partial block it replaced', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(account([{ name: 'data', publicAccessBlock: { blockPublicAcls: true } }]));
    const f = finding('S3.8', 'data');
    const { plan } = await s3PublicAccess.assess(f, ctx);

    // Act
    const change = await s3PublicAccess.remediate(f, plan!, ctx);
    const observed = await s3PublicAccess.verify(f, change, ctx);
    const afterRemediation = snapshotOf(sim).s3['bucket/data'].publicAccessBlock;
    await s3PublicAccess.rollback(f, change, ctx);

    // Assess
    expect(change.before).toEqual({
      scope: 'bucket',
      bucket: 'data',
      publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false },
    });
    expect(afterRemediation).toBe('blockPublicAcls,ignorePublicAcls,blockPublicPolicy,restrictPublicBuckets');
    expect(observed).toBe('S3 reports all four block public access settings on for bucket data');
    expect(snapshotOf(sim).s3['bucket/data'].publicAccessBlock).toBe('blockPublicAcls');
  });

  it('rolls back to no configuration at all when there was none (DeletePublicAccessBlock)', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(account([{ name: 'data' }]));
    const f = finding('S3.8', 'data');
    const change = await s3PublicAccess.remediate(f, (await s3PublicAccess.assess(f, ctx)).plan!, ctx);

    // Act
    const undone = await s3PublicAccess.rollback(f, change, ctx);

    // Assess
    expect(change.before.publicAccessBlock).toBeNull();
    expect(undone.summary).toBe('Removed the public access block of bucket data (was all four settings on)');
    expect(snapshotOf(sim).s3['bucket/data'].publicAccessBlock).toBe('none');
    expect(sim.calls.map((c) => c.command)).toContain('DeletePublicAccessBlock');
  });

  it('turns on the account block through S3 Control and rolls it back', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(account([{ name: 'logs' }], { publicAccessBlock: { blockPublicPolicy: true } }));
    const f = finding('S3.1');
    const change = await s3PublicAccess.remediate(f, (await s3PublicAccess.assess(f, ctx)).plan!, ctx);

    // Act
    const observed = await s3PublicAccess.verify(f, change, ctx);
    const during = snapshotOf(sim).s3Control.account;
    await s3PublicAccess.rollback(f, change, ctx);

    // Assess
    expect(observed).toBe(`S3 reports all four block public access settings on for account ${HOME_ACCOUNT}`);
    expect(during).toBe('blockPublicAcls,ignorePublicAcls,blockPublicPolicy,restrictPublicBuckets');
    expect(snapshotOf(sim).s3Control.account).toBe('blockPublicPolicy');
  });

  it('fails verification when the block is loosened again right after remediation', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(account([{ name: 'data' }]));
    const f = finding('S3.8', 'data');
    const change = await s3PublicAccess.remediate(f, (await s3PublicAccess.assess(f, ctx)).plan!, ctx);
    const buckets = sim.account(HOME_ACCOUNT).states.get('s3') as Map<string, { publicAccessBlock?: Record<string, boolean> }>;
    buckets.get('data')!.publicAccessBlock = {
      blockPublicAcls: true,
      ignorePublicAcls: true,
      blockPublicPolicy: false,
      restrictPublicBuckets: false,
    };

    // Act
    const verified = s3PublicAccess.verify(f, change, ctx);

    // Assess
    await expect(verified).rejects.toMatchObject({
      name: 'VerificationFailedError',
      message: 'The public access block of bucket data is only BlockPublicAcls, IgnorePublicAcls on',
    });
  });

  it('says nothing was changed when S3 refuses the write', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(account([{ name: 'data' }]));
    const f = finding('S3.8', 'data');
    const { plan } = await s3PublicAccess.assess(f, ctx);
    sim.faults = (call) => {
      if (call.command === 'PutPublicAccessBlock') throw new SimulatedServiceError('AccessDenied', 'Access Denied');
    };

    // Act
    const remediated = s3PublicAccess.remediate(f, plan!, ctx);

    // Assess
    await expect(remediated).rejects.toMatchObject({
      name: 'RemediationError',
      message: expect.stringMatching(/AccessDenied.*nothing was changed/),
    });
  });

  it('refuses a plan made for another bucket', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account([{ name: 'data' }]));
    const plan = { summary: 's', steps: [], reversible: true, parameters: { scope: 'bucket', bucket: 'other' } };

    // Act / Assess
    await expect(s3PublicAccess.remediate(finding('S3.8', 'data'), plan, ctx)).rejects.toMatchObject({ name: 'InvalidInputError' });
  });
});
