import { GetBucketPolicyCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { s3SecureTransport } from './definition';
import { SimulatedServiceError } from '../../../sandbox/simulated-aws';
import { findingRef } from '../../../test/support/finding-ref';
import { simulatedAccount } from '../../../test/support/simulated-account';
import { HOME_ACCOUNT } from '../../../test/support/workflow';

const finding = (bucket: string, region = 'us-east-1') =>
  findingRef('S3.5', { type: 'AwsS3Bucket', id: `arn:aws:s3:::${bucket}` }, { region });

/** An existing policy, pretty-printed as a person wrote it: rollback must give back this exact text. */
const EXISTING = JSON.stringify(
  {
    Version: '2012-10-17',
    Id: 'DataPolicy',
    Statement: [
      {
        Sid: 'AnalyticsRead',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::222222222222:role/analytics' },
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::data/*',
      },
    ],
  },
  null,
  2,
);

const trail = (dataEvents: string[], selectors: 'basic' | 'advanced' = 'basic') => ({
  name: 'main',
  s3BucketName: 'trail-logs',
  s3DataEvents: dataEvents,
  selectors,
});
const logBucket = (events: unknown[]) => ({ name: 'trail-logs', cloudTrailLogs: { events } });
const account = (buckets: unknown[], trails: unknown[] = []) => ({ [HOME_ACCOUNT]: { s3: { buckets }, trails } });
const policyIn = (sim: ReturnType<typeof simulatedAccount>['sim'], bucket: string) =>
  (sim.account(HOME_ACCOUNT).states.get('s3') as Map<string, { policy?: string }>).get(bucket)?.policy;

describe('s3-secure-transport assess', () => {
  it(
    'says explicitly that the signal is unavailable when no trail ' + 'records the bucket’s data events, and rates it unknown (never low)',
    async () => {
      // Prepare
      const { ctx } = simulatedAccount(account([{ name: 'data', policy: EXISTING }, logBucket([])], [trail([])]));

      // Act
      const result = await s3SecureTransport.assess(finding('data'), ctx);

      // Assess
      expect(result.risk).toBe('unknown');
      expect(result.evidence).toContainEqual({
        fact:
          'Signal unavailable: none of the 1 CloudTrail trail(s) records S3 data events for data, so whether any client reaches ' +
          'data over plain HTTP is not seen.',
        source: 'cloudtrail:DescribeTrails, cloudtrail:GetEventSelectors',
        where: 'account 111111111111, us-east-1',
        window: 'last 14 days',
        unseen: true,
      });
      expect(result.evidence.map((e) => e.fact)).toContain(
        'Bucket data has a policy of 1 statement(s), none denying requests without TLS; all of them are kept.',
      );
      expect(result.plan?.parameters).toEqual({ bucket: 'data', observed: { policy: EXISTING } });
    },
  );

  it('rates a bucket with recent plain-HTTP requests as high risk, naming the callers', async () => {
    // Prepare
    const events = [
      {
        eventTime: 'now-2h',
        bucket: 'data',
        tlsVersion: null,
        sourceIPAddress: '198.51.100.7',
        userAgent: 'legacy-uploader/1.0',
        eventName: 'PutObject',
      },
      { eventTime: 'now-1d', bucket: 'data', tlsVersion: 'TLSv1.2' },
      { eventTime: 'now-3h', bucket: 'other-bucket', tlsVersion: null },
    ];
    const { ctx } = simulatedAccount(account([{ name: 'data' }, logBucket(events)], [trail(['data'], 'advanced')]));

    // Act
    const result = await s3SecureTransport.assess(finding('data'), ctx);

    // Assess
    expect(result.risk).toBe('high');
    expect(result.riskReason).toBe('1 recent request(s) to data came over plain HTTP and would be denied');
    expect(result.evidence).toContainEqual({
      fact:
        '1 of 2 requests to data in the last 14 days came over plain HTTP (no TLS) and would be denied: from 198.51.100.7; ' +
        'user agents legacy-uploader/1.0; operations PutObject; latest 2026-11-22T10:00:00.000Z.',
      source: 's3:GetObject (CloudTrail data events of trail main)',
      where: 'account 111111111111, us-east-1',
      window: 'last 14 days',
    });
  });

  it('rates a bucket whose recorded requests all used TLS as low risk, and ignores requests older than the lookback', async () => {
    // Prepare
    const events = [
      { eventTime: 'now-5m', bucket: 'data', tlsVersion: 'TLSv1.3' },
      { eventTime: 'now-40d', bucket: 'data', tlsVersion: null },
    ];
    const { ctx } = simulatedAccount(account([{ name: 'data' }, logBucket(events)], [trail(['*'])]));

    // Act
    const result = await s3SecureTransport.assess(finding('data'), ctx);

    // Assess
    expect(result.risk).toBe('low');
    expect(result.evidence.map((e) => e.fact)).toContain('All 1 requests to data in the last 14 days used TLS (TLSv1.3).');
  });

  it('reports the logs of an organization trail as out of reach rather than as "no callers"', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account([{ name: 'data' }], [{ ...trail(['data']), isOrganizationTrail: true }]));

    // Act
    const result = await s3SecureTransport.assess(finding('data'), ctx);

    // Assess
    expect(result.risk).toBe('unknown');
    expect(result.evidence.map((e) => e.fact).join('\n')).toMatch(
      /Signal unavailable: trail main records data's data events, but as an organization trail/,
    );
  });

  it('reports a log bucket it cannot read as an unavailable signal', async () => {
    // Prepare: the trail delivers to a bucket of another account
    const { ctx } = simulatedAccount(account([{ name: 'data' }], [{ ...trail(['data']), s3BucketName: 'central-log-archive' }]));

    // Act
    const result = await s3SecureTransport.assess(finding('data'), ctx);

    // Assess
    expect(result.evidence.map((e) => e.fact).join('\n')).toContain('its log bucket central-log-archive cannot be read (NoSuchBucket)');
  });

  it('plans nothing when the policy already denies requests without TLS', async () => {
    // Prepare
    const compliant = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AllowSSLRequestsOnly',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: ['arn:aws:s3:::data', 'arn:aws:s3:::data/*'],
          Condition: { Bool: { 'aws:SecureTransport': false } },
        },
      ],
    };
    const { ctx } = simulatedAccount(account([{ name: 'data', policy: compliant }]));

    // Act
    const result = await s3SecureTransport.assess(finding('data'), ctx);

    // Assess
    expect(result.plan).toBeUndefined();
  });
});

describe('s3-secure-transport remediate, verify, rollback', () => {
  it('merges the deny statement into the existing policy, verifies it, and rollback restores the exact previous text', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(account([{ name: 'data', policy: EXISTING }]));
    const f = finding('data');
    const { plan } = await s3SecureTransport.assess(f, ctx);

    // Act
    const change = await s3SecureTransport.remediate(f, plan!, ctx);
    const observed = await s3SecureTransport.verify(f, change, ctx);
    const merged = JSON.parse(policyIn(sim, 'data') ?? '{}') as { Id: string; Statement: { Sid: string; Condition?: unknown }[] };
    await s3SecureTransport.rollback(f, change, ctx);

    // Assess
    expect(merged.Id).toBe('DataPolicy');
    expect(merged.Statement.map((s) => s.Sid)).toEqual(['AnalyticsRead', 'HubfixDenyInsecureTransport']);
    expect(merged.Statement[1].Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
    expect(observed).toBe('The policy of data denies requests without TLS and keeps its 1 previous statement(s)');
    expect(change.before).toEqual({ bucket: 'data', policy: EXISTING });
    expect(policyIn(sim, 'data')).toBe(EXISTING);
  });

  it('creates a policy when there was none, and rollback deletes it', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(account([{ name: 'data' }]));
    const f = finding('data');
    const change = await s3SecureTransport.remediate(f, (await s3SecureTransport.assess(f, ctx)).plan!, ctx);

    // Act
    const created = policyIn(sim, 'data');
    const undone = await s3SecureTransport.rollback(f, change, ctx);

    // Assess
    expect(JSON.parse(created ?? '{}')).toMatchObject({
      Version: '2012-10-17',
      Statement: [{ Sid: 'HubfixDenyInsecureTransport', Effect: 'Deny' }],
    });
    expect(undone.summary).toBe('Deleted the policy of data, which had none before');
    expect(policyIn(sim, 'data')).toBeUndefined();
  });

  it('fails verification when the previous statements were lost', async () => {
    // Prepare: something replaces the merged policy with the deny statement alone
    const { ctx, sim } = simulatedAccount(account([{ name: 'data', policy: EXISTING }]));
    const f = finding('data');
    const change = await s3SecureTransport.remediate(f, (await s3SecureTransport.assess(f, ctx)).plan!, ctx);
    const buckets = sim.account(HOME_ACCOUNT).states.get('s3') as Map<string, { policy?: string }>;
    const merged = JSON.parse(buckets.get('data')!.policy!) as { Statement: unknown[] };
    buckets.get('data')!.policy = JSON.stringify({ Version: '2012-10-17', Statement: merged.Statement.slice(1) });

    // Act
    const verified = s3SecureTransport.verify(f, change, ctx);

    // Assess
    await expect(verified).rejects.toMatchObject({
      name: 'VerificationFailedError',
      message: 'The policy of data lost 1 of its previous statement(s): AnalyticsRead',
    });
  });

  it('fails verification when the deny statement is gone', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(account([{ name: 'data', policy: EXISTING }]));
    const f = finding('data');
    const change = await s3SecureTransport.remediate(f, (await s3SecureTransport.assess(f, ctx)).plan!, ctx);
    (sim.account(HOME_ACCOUNT).states.get('s3') as Map<string, { policy?: string }>).get('data')!.policy = EXISTING;

    // Act / Assess
    await expect(s3SecureTransport.verify(f, change, ctx)).rejects.toMatchObject({
      name: 'VerificationFailedError',
      message: 'The policy of data does not deny requests without TLS',
    });
  });

  it('says nothing was changed when S3 refuses the policy, and keeps the old one', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(account([{ name: 'data', policy: EXISTING }]));
    const f = finding('data');
    const { plan } = await s3SecureTransport.assess(f, ctx);
    sim.faults = (call) => {
      if (call.command === 'PutBucketPolicy') throw new SimulatedServiceError('AccessDenied', 'Access Denied');
    };

    // Act
    const remediated = s3SecureTransport.remediate(f, plan!, ctx);

    // Assess
    await expect(remediated).rejects.toMatchObject({
      name: 'RemediationError',
      message: expect.stringMatching(/AccessDenied.*nothing was changed/),
    });
    expect(policyIn(sim, 'data')).toBe(EXISTING);
  });

  it('adds no second deny statement on a retry, and records the exact text the assessment read so rollback restores it', async () => {
    // Prepare: the first remediate wrote the policy, but its response was lost
    const { sim, ctx } = simulatedAccount(account([{ name: 'data', policy: EXISTING }]));
    const { plan } = await s3SecureTransport.assess(finding('data'), ctx);
    const first = await s3SecureTransport.remediate(finding('data'), plan!, ctx);

    // Act
    const retried = await s3SecureTransport.remediate(finding('data'), plan!, ctx);
    const applied = policyIn(sim, 'data');
    await s3SecureTransport.rollback(finding('data'), retried, ctx);

    // Assess
    expect(retried).toEqual(first);
    expect(JSON.parse(applied as string).Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
      'AnalyticsRead',
      'HubfixDenyInsecureTransport',
    ]);
    expect(policyIn(sim, 'data')).toBe(EXISTING);
  });

  it('takes a free Sid when the policy already uses hubfix’s', async () => {
    // Prepare
    const taken = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'HubfixDenyInsecureTransport',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${HOME_ACCOUNT}:root` },
          Action: 's3:ListBucket',
          Resource: 'arn:aws:s3:::data',
        },
      ],
    };
    const { ctx, sim } = simulatedAccount(account([{ name: 'data', policy: taken }]));
    const f = finding('data');

    // Act
    await s3SecureTransport.remediate(f, (await s3SecureTransport.assess(f, ctx)).plan!, ctx);

    // Assess
    const sids = (JSON.parse(policyIn(sim, 'data') ?? '{}') as { Statement: { Sid: string }[] }).Statement.map((s) => s.Sid);
    expect(sids).toEqual(['HubfixDenyInsecureTransport', 'HubfixDenyInsecureTransport2']);
  });
});

describe('simulated S3, where the S3.5 control depends on it', () => {
  it('answers NoSuchBucketPolicy, PermanentRedirect for the wrong region, and refuses a policy naming another bucket', async () => {
    // Prepare
    const { clients } = simulatedAccount(account([{ name: 'data' }, { name: 'eu-data', region: 'eu-west-1' }]));
    const s3 = clients.at(S3Client, { accountId: HOME_ACCOUNT, region: 'us-east-1' });
    const foreign = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::other/*' }],
    });

    // Act / Assess
    await expect(s3.send(new GetBucketPolicyCommand({ Bucket: 'data' }))).rejects.toMatchObject({ name: 'NoSuchBucketPolicy' });
    await expect(s3.send(new GetBucketPolicyCommand({ Bucket: 'eu-data' }))).rejects.toMatchObject({ name: 'PermanentRedirect' });
    await expect(s3.send(new PutBucketPolicyCommand({ Bucket: 'data', Policy: foreign }))).rejects.toMatchObject({
      name: 'MalformedPolicy',
      message: 'Policy has invalid resource',
    });
  });
});

describe.each([
  ['cn-north-1', 'aws-cn'],
  ['us-gov-west-1', 'aws-us-gov'],
])('s3-secure-transport in %s (partition %s)', (region: string, partition: string) => {
  const inRegion = (bucket: string) =>
    findingRef('S3.5', { type: 'AwsS3Bucket', id: `arn:${partition}:s3:::${bucket}`, partition }, { region });
  const regionalTrail = (dataEvents: string[], selectors: 'basic' | 'advanced') => ({
    ...trail(dataEvents, selectors),
    homeRegion: region,
  });
  const regionalLogs = (events: Record<string, unknown>[]) => ({ ...logBucket(events.map((e) => ({ ...e, region }))), region });

  it(`writes the deny statement with ${partition} ARNs, verifies it, and then finds nothing more to change`, async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account([{ name: 'data', region }]));
    const { plan } = await s3SecureTransport.assess(inRegion('data'), ctx);

    // Act
    const change = await s3SecureTransport.remediate(inRegion('data'), plan!, ctx);
    const observed = await s3SecureTransport.verify(inRegion('data'), change, ctx);
    const again = await s3SecureTransport.assess(inRegion('data'), ctx);

    // Assess
    const statements = JSON.parse(policyIn(sim, 'data') as string).Statement as { Sid: string; Resource: string[] }[];
    expect(statements).toEqual([
      expect.objectContaining({
        Sid: 'HubfixDenyInsecureTransport',
        Resource: [`arn:${partition}:s3:::data`, `arn:${partition}:s3:::data/*`],
      }),
    ]);
    expect(observed).toBe('The policy of data denies requests without TLS and is new (the bucket had no policy)');
    expect(again.plan).toBeUndefined();
  });

  it(`recognises a policy that already denies plain HTTP with ${partition} ARNs as passing`, async () => {
    // Prepare
    const denying = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'TlsOnly',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [`arn:${partition}:s3:::data`, `arn:${partition}:s3:::data/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    };
    const { ctx } = simulatedAccount(account([{ name: 'data', region, policy: denying }]));

    // Act
    const result = await s3SecureTransport.assess(inRegion('data'), ctx);

    // Assess
    expect(result.plan).toBeUndefined();
    expect(result.riskReason).toBe('The policy of data already denies requests without TLS');
  });

  it.each(['basic', 'advanced'] as const)(
    `reads the data events of a trail whose %s selectors name arn:${partition}:s3:::data/`,
    async (selectors) => {
      // Prepare
      const events = [
        {
          eventTime: 'now-2h',
          bucket: 'data',
          tlsVersion: null,
          sourceIPAddress: '198.51.100.7',
          userAgent: 'legacy-uploader/1.0',
          eventName: 'PutObject',
        },
      ];
      const { ctx } = simulatedAccount(account([{ name: 'data', region }, regionalLogs(events)], [regionalTrail(['data'], selectors)]));

      // Act
      const result = await s3SecureTransport.assess(inRegion('data'), ctx);

      // Assess
      expect(result.risk).toBe('high');
      expect(result.riskReason).toBe('1 recent request(s) to data came over plain HTTP and would be denied');
    },
  );
});

describe('simulated S3 in another partition', () => {
  it('refuses a bucket policy naming the bucket with an arn:aws: ARN in cn-north-1, as S3 in aws-cn does', async () => {
    // Prepare
    const { clients } = simulatedAccount(account([{ name: 'data', region: 'cn-north-1' }]));
    const s3 = clients.at(S3Client, { accountId: HOME_ACCOUNT, region: 'cn-north-1' });
    const policy = (partition: string) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: `arn:${partition}:s3:::data/*` }],
      });

    // Act / Assess
    await expect(s3.send(new PutBucketPolicyCommand({ Bucket: 'data', Policy: policy('aws') }))).rejects.toMatchObject({
      name: 'MalformedPolicy',
      message: 'Policy has invalid resource',
    });
    await expect(s3.send(new PutBucketPolicyCommand({ Bucket: 'data', Policy: policy('aws-cn') }))).resolves.toBeDefined();
  });
});
