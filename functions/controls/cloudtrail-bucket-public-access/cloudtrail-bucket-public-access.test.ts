import { cloudTrailBucketPublicAccess as control } from './definition';
import { SimulatedServiceError } from '../../../sandbox/simulated-aws';
import { findingRef } from '../../../test/support/finding-ref';
import { simulatedAccount } from '../../../test/support/simulated-account';
import { HOME_ACCOUNT } from '../../../test/support/workflow';

const OTHER = '333333333333';
const finding = (bucket: string) => findingRef('CloudTrail.6', { type: 'AwsS3Bucket', id: `arn:aws:s3:::${bucket}` });
const statement = (sid: string, principal: unknown, bucket: string) => ({
  Sid: sid,
  Effect: 'Allow',
  Principal: principal,
  Action: 's3:GetObject',
  Resource: `arn:aws:s3:::${bucket}/*`,
});
const policy = (...statements: unknown[]) => ({ Version: '2012-10-17', Statement: statements });
const account = (buckets: unknown[]) => ({
  [HOME_ACCOUNT]: { trails: [{ name: 'main', s3BucketName: 'trail-logs', isMultiRegionTrail: true }], s3: { buckets } },
});
type Snapshot = { s3: Record<string, { publicAccessBlock: string }> };
const blockIn = (sim: ReturnType<typeof simulatedAccount>['sim'], bucket: string) =>
  (sim.snapshot()[HOME_ACCOUNT] as Snapshot).s3[`bucket/${bucket}`].publicAccessBlock;
const ALL_ON = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

describe('cloudtrail-bucket-public-access assess', () => {
  it('rates a trail bucket made public by its ACL as low risk, naming the trail, and plans all four settings', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account([{ name: 'trail-logs', acl: 'public-read' }]));

    // Act
    const result = await control.assess(finding('trail-logs'), ctx);

    // Assess
    expect(result.risk).toBe('low');
    expect(result.plan?.parameters).toEqual({ bucket: 'trail-logs', observed: { publicAccessBlock: null } });
    const facts = result.evidence.map((e) => e.fact).join('\n');
    expect(facts).toContain('Bucket trail-logs receives the log files of trail(s) main.');
    expect(facts).toContain('its ACL grants READ to everyone (AllUsers)');
    expect(facts).toContain('CloudTrail delivers log files through its service principal');
  });

  it('is high risk when the policy is public and grants another account, which RestrictPublicBuckets would cut off', async () => {
    // Prepare
    const reader = `arn:aws:iam::${OTHER}:role/siem-reader`;
    const bucketPolicy = policy(statement('Siem', { AWS: reader }, 'trail-logs'), statement('Public', '*', 'trail-logs'));
    const bucket = { name: 'trail-logs', policy: bucketPolicy };
    const { ctx } = simulatedAccount(account([bucket]));

    // Act
    const result = await control.assess(finding('trail-logs'), ctx);

    // Assess
    expect(result).toMatchObject({
      risk: 'high',
      riskReason: `Other accounts read trail-logs through its public policy and would lose access: ${reader}`,
    });
    expect(result.plan).toBeDefined();
  });

  it('leaves another account granted by a policy that is not public at low risk, and says so', async () => {
    // Prepare
    const granted = policy(statement('Siem', { AWS: OTHER }, 'trail-logs'));
    const { ctx } = simulatedAccount(account([{ name: 'trail-logs', acl: 'public-read', policy: granted }]));

    // Act
    const result = await control.assess(finding('trail-logs'), ctx);

    // Assess
    expect(result.risk).toBe('low');
    expect(result.evidence.map((e) => e.fact)).toContain(
      `The bucket policy grants other accounts: ${OTHER}. The policy is not public, so RestrictPublicBuckets leaves their access as it is.`,
    );
  });

  it('plans nothing for a bucket that already blocks all public access', async () => {
    // Prepare
    const publicAccessBlock = { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true };
    const { ctx } = simulatedAccount(account([{ name: 'trail-logs', acl: 'public-read', publicAccessBlock }]));

    // Act
    const result = await control.assess(finding('trail-logs'), ctx);

    // Assess
    expect(result).toMatchObject({ risk: 'low', riskReason: 'Bucket trail-logs already blocks all public access' });
    expect(result.plan).toBeUndefined();
  });
});

describe('cloudtrail-bucket-public-access remediate, verify and rollback', () => {
  it('turns on all four settings, verifies them, and rollback restores the previous partial block', async () => {
    // Prepare
    const partial = { blockPublicPolicy: true };
    const { ctx, sim } = simulatedAccount(account([{ name: 'trail-logs', acl: 'public-read', publicAccessBlock: partial }]));
    const f = finding('trail-logs');
    const { plan } = await control.assess(f, ctx);

    // Act
    const change = await control.remediate(f, plan!, ctx);
    const observed = await control.verify(f, change, ctx);
    const during = blockIn(sim, 'trail-logs');
    const undone = await control.rollback(f, change, ctx);

    // Assess
    expect(change.before).toEqual({
      bucket: 'trail-logs',
      publicAccessBlock: { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: true, RestrictPublicBuckets: false },
    });
    expect(change.after).toEqual({ bucket: 'trail-logs', publicAccessBlock: ALL_ON });
    expect(during).toBe('blockPublicAcls,ignorePublicAcls,blockPublicPolicy,restrictPublicBuckets');
    expect(observed).toBe('S3 reports all four block public access settings on for trail bucket trail-logs');
    expect(undone.summary).toBe('Set the public access block of bucket trail-logs to only BlockPublicPolicy on (was all four settings on)');
    expect(blockIn(sim, 'trail-logs')).toBe('blockPublicPolicy');
  });

  it('rolls back to no block at all when there was none', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(account([{ name: 'trail-logs', acl: 'public-read' }]));
    const f = finding('trail-logs');
    const change = await control.remediate(f, (await control.assess(f, ctx)).plan!, ctx);

    // Act
    await control.rollback(f, change, ctx);

    // Assess
    expect(blockIn(sim, 'trail-logs')).toBe('none');
    expect(sim.calls.map((c) => c.command)).toContain('DeletePublicAccessBlock');
  });

  it('fails verification when the block is loosened again', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(account([{ name: 'trail-logs', acl: 'public-read' }]));
    const f = finding('trail-logs');
    const change = await control.remediate(f, (await control.assess(f, ctx)).plan!, ctx);
    const buckets = sim.account(HOME_ACCOUNT).states.get('s3') as Map<string, { publicAccessBlock?: Record<string, boolean> }>;
    const loosened = { blockPublicAcls: true, ignorePublicAcls: false, blockPublicPolicy: true, restrictPublicBuckets: true };
    buckets.get('trail-logs')!.publicAccessBlock = loosened;

    // Act / Assess
    await expect(control.verify(f, change, ctx)).rejects.toMatchObject({
      name: 'VerificationFailedError',
      message: 'The public access block of bucket trail-logs is only BlockPublicAcls, BlockPublicPolicy, RestrictPublicBuckets on',
    });
  });

  it('says nothing was changed when S3 refuses the write', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(account([{ name: 'trail-logs', acl: 'public-read' }]));
    const f = finding('trail-logs');
    const { plan } = await control.assess(f, ctx);
    sim.faults = (call) => {
      if (call.command === 'PutPublicAccessBlock') throw new SimulatedServiceError('AccessDenied', 'Access Denied');
    };

    // Act / Assess
    await expect(control.remediate(f, plan!, ctx)).rejects.toMatchObject({
      name: 'RemediationError',
      message: expect.stringMatching(/AccessDenied.*nothing was changed/),
    });
  });

  it.each([
    ['a plan for another bucket', { bucket: 'other-logs' }, 'The plan does not name bucket trail-logs of finding'],
    ['a plan without a bucket', { observed: {} }, 'The plan is not one cloudtrail-bucket-public-access makes (bucket:'],
  ])('refuses %s with InvalidInputError and changes nothing', async (_case, parameters, message) => {
    // Prepare
    const { ctx, sim } = simulatedAccount(account([{ name: 'trail-logs', acl: 'public-read' }]));

    // Act
    const attempt = control.remediate(finding('trail-logs'), { summary: 's', steps: [], reversible: true, parameters }, ctx);

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(message) });
    expect(sim.calls.map((c) => c.command)).not.toContain('PutPublicAccessBlock');
  });
});
