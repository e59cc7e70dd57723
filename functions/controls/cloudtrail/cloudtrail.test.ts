import { parseConfig } from '../../platform/config';
import { RemediationError, VerificationFailedError } from '../../platform/errors';
import { cloudTrail } from './definition';
import { cloudTrailKeyAccess } from './kms-key-policy';
import { SimulatedServiceError } from '../../../sandbox/simulated-aws';
import { accountResource, findingRef } from '../../../test/support/finding-ref';
import { simulatedAccount } from '../../../test/support/simulated-account';
import { HOME_ACCOUNT } from '../../../test/support/workflow';

const REGION = 'us-east-1';
const trailArn = (name: string, region = REGION) => `arn:aws:cloudtrail:${region}:${HOME_ACCOUNT}:trail/${name}`;
const accountFinding = () => findingRef('CloudTrail.1', accountResource());
const trailFinding = (controlId: string, name = 'main') => findingRef(controlId, { type: 'AwsCloudTrailTrail', id: trailArn(name) });
const facts = (evidence: { fact: string }[]) => evidence.map((e) => e.fact).join('\n');

const trail = (over: Record<string, unknown> = {}) => ({
  name: 'main',
  s3BucketName: 'org-trail-logs',
  isMultiRegionTrail: true,
  logFileValidationEnabled: true,
  ...over,
});
const cloudTrailKeyPolicy = (extra: Record<string, unknown> = {}) => ({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${HOME_ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
    {
      Sid: 'AllowCloudTrailEncrypt',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'kms:GenerateDataKey*',
      Resource: '*',
      Condition: { StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:aws:cloudtrail:*:${HOME_ACCOUNT}:trail/*` } },
      ...extra,
    },
    {
      Sid: 'Auditors',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${HOME_ACCOUNT}:role/auditor` },
      Action: 'kms:Decrypt',
      Resource: '*',
    },
  ],
});
const key = (keyId: string, aliases: string[], over: Record<string, unknown> = {}) => ({
  keyId,
  aliases,
  policy: cloudTrailKeyPolicy(),
  ...over,
});
const KEY_A = '11111111-aaaa-4aaa-8aaa-111111111111';
const KEY_B = '22222222-bbbb-4bbb-8bbb-222222222222';
const KEY_AWS = '33333333-cccc-4ccc-8ccc-333333333333';
const keyArn = (id: string) => `arn:aws:kms:${REGION}:${HOME_ACCOUNT}:key/${id}`;

const account = (section: Record<string, unknown>) => ({ [HOME_ACCOUNT]: section });
const trailsIn = (sim: ReturnType<typeof simulatedAccount>['sim']) =>
  sim.snapshot()[HOME_ACCOUNT].trails as Record<string, Record<string, unknown>>;

describe('CloudTrail.1: a logging multi-region trail with all management events', () => {
  it('plans to update the existing single-region trail (never a second trail) and rates the wider scope high', async () => {
    // Prepare
    const { ctx } = simulatedAccount(
      account({
        trails: [
          trail({ isMultiRegionTrail: false, cloudWatchLogsLogGroupArn: `arn:aws:logs:${REGION}:${HOME_ACCOUNT}:log-group:trail:*` }),
        ],
      }),
    );

    // Act
    const result = await cloudTrail.assess(accountFinding(), ctx);

    // Assess
    expect(result.risk).toBe('high');
    expect(result.riskReason).toMatch(
      /trail main would start recording every region into s3:\/\/org-trail-logs and its CloudWatch Logs group/,
    );
    expect(result.plan?.steps).toEqual([
      `cloudtrail:UpdateTrail Name=${trailArn('main')} IsMultiRegionTrail=true IncludeGlobalServiceEvents=true (in ${REGION})`,
    ]);
    expect(result.plan?.steps.join(' ')).not.toContain('CreateTrail');
    expect(facts(result.evidence)).toContain('Trail main (home us-east-1): single-region, logging, All management events.');
  });

  it('finds a single-region trail homed in another region through ListTrails', async () => {
    // Prepare
    const { ctx } = simulatedAccount(
      account({ trails: [trail({ name: 'eu-trail', homeRegion: 'eu-west-1', isMultiRegionTrail: false })] }),
    );

    // Act
    const result = await cloudTrail.assess(accountFinding(), ctx);

    // Assess
    expect(result.plan?.parameters).toMatchObject({ kind: 'update', trailArn: trailArn('eu-trail', 'eu-west-1'), homeRegion: 'eu-west-1' });
  });

  it('passes an account whose multi-region trail logs every management event', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account({ trails: [trail()] }));

    // Act
    const result = await cloudTrail.assess(accountFinding(), ctx);

    // Assess
    expect(result.plan).toBeUndefined();
    expect(result.blocked).toBeUndefined();
    expect(result.riskReason).toMatch(/main is a logging multi-region trail/);
  });

  it('widens write-only selectors, starts a stopped trail, verifies, and rolls both back exactly', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(
      account({ trails: [trail({ isLogging: false, eventSelectors: [{ readWriteType: 'WriteOnly' }] })] }),
    );
    const assessment = await cloudTrail.assess(accountFinding(), ctx);

    // Act
    const change = await cloudTrail.remediate(accountFinding(), assessment.plan!, ctx);
    const observed = await cloudTrail.verify(accountFinding(), change, ctx);
    const afterFix = trailsIn(sim)['trail/main'];
    await cloudTrail.rollback(accountFinding(), change, ctx);

    // Assess
    expect(assessment.risk).toBe('high');
    expect(assessment.riskReason).toContain('would add read management events');
    expect(afterFix).toMatchObject({ multiRegion: true, logging: true, managementEvents: 'All' });
    expect(observed).toContain('multi-region, logging, All management events');
    expect(change.summary).toBe('Trail main: PutEventSelectors, StartLogging');
    expect(trailsIn(sim)['trail/main']).toMatchObject({ multiRegion: true, logging: false, managementEvents: 'WriteOnly' });
  });

  it('is blocked when the account has no trail and no bucket is configured for one', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account({}));

    // Act
    const result = await cloudTrail.assess(accountFinding(), ctx);

    // Assess
    expect(result.blocked).toBe(true);
    expect(result.plan).toBeUndefined();
    expect(result.riskReason).toContain('set cloudtrail.trailBucket');
  });

  it('creates a trail only when the account has none, says so, and rollback deletes exactly that trail', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(account({}), parseConfig({ cloudtrail: { trailBucket: 'central-trail-logs' } }));
    const assessment = await cloudTrail.assess(accountFinding(), ctx);

    // Act
    const change = await cloudTrail.remediate(accountFinding(), assessment.plan!, ctx);
    const observed = await cloudTrail.verify(accountFinding(), change, ctx);
    const created = trailsIn(sim)['trail/hubfix-management-events'];
    await cloudTrail.rollback(accountFinding(), change, ctx);

    // Assess
    expect(assessment.risk).toBe('high');
    expect(assessment.plan?.summary).toMatch(/^Create multi-region trail hubfix-management-events \(the account has no trail to update\)/);
    expect(created).toMatchObject({ multiRegion: true, logging: true, logFileValidation: true });
    expect(observed).toContain('hubfix-management-events');
    expect(trailsIn(sim)).toEqual({});
  });

  it(
    'finishes the creation on a retry after StartLogging was throttled: ' + 'adopts the trail it created, with the record of a clean run',
    async () => {
      // Prepare: CreateTrail succeeds, StartLogging is throttled past the SDK's attempts, so the step fails
      const config = parseConfig({ cloudtrail: { trailBucket: 'central-trail-logs' } });
      const clean = simulatedAccount(account({}), config);
      const cleanChange = await cloudTrail.remediate(
        accountFinding(),
        (await cloudTrail.assess(accountFinding(), clean.ctx)).plan!,
        clean.ctx,
      );
      const { ctx, sim } = simulatedAccount(account({}), config);
      const { plan } = await cloudTrail.assess(accountFinding(), ctx);
      sim.faults = (call) => {
        if (call.command === 'StartLogging') throw new SimulatedServiceError('ThrottlingException', 'Rate exceeded', { throttling: true });
      };
      const failed = await cloudTrail.remediate(accountFinding(), plan!, ctx).catch((error: Error) => error);
      sim.faults = undefined;

      // Act: the state machine retries the whole step with the same plan
      const change = await cloudTrail.remediate(accountFinding(), plan!, ctx);
      const observed = await cloudTrail.verify(accountFinding(), change, ctx);
      const afterFix = trailsIn(sim)['trail/hubfix-management-events'];
      await cloudTrail.rollback(accountFinding(), change, ctx);

      // Assess
      expect((failed as Error).message).toMatch(
        /StartLogging on the new trail hubfix-management-events failed \(ThrottlingException\); trail .* was created and is not logging/,
      );
      expect(change).toEqual(cleanChange);
      expect(change.before).toEqual({ kind: 'absent', trailName: 'hubfix-management-events', homeRegion: REGION });
      expect(change.summary).toBe(
        'Created multi-region trail hubfix-management-events delivering to s3://central-trail-logs and started logging',
      );
      expect(afterFix).toMatchObject({ multiRegion: true, logging: true, logFileValidation: true });
      expect(observed).toContain('hubfix-management-events');
      expect(trailsIn(sim)).toEqual({});
    },
  );

  it('adopts the trail when CreateTrail was applied but its response lost (the SDK resent it and got TrailAlreadyExists)', async () => {
    // Prepare: the first delivery of CreateTrail creates the trail; the caller only sees the second one's answer
    const { ctx, sim } = simulatedAccount(account({}), parseConfig({ cloudtrail: { trailBucket: 'central-trail-logs' } }));
    const { plan } = await cloudTrail.assess(accountFinding(), ctx);
    let deliveries = 0;
    sim.faults = (call) => {
      if (call.command !== 'CreateTrail' || deliveries++ > 0) return;
      (sim.account(HOME_ACCOUNT).states.get('trails') as Record<string, unknown>[]).push({
        name: 'hubfix-management-events',
        homeRegion: REGION,
        s3BucketName: 'central-trail-logs',
        isMultiRegionTrail: true,
        isOrganizationTrail: false,
        includeGlobalServiceEvents: true,
        logFileValidationEnabled: true,
        isLogging: false,
        selectors: 'basic',
        s3DataEvents: [],
        eventSelectors: [{ readWriteType: 'All', includeManagementEvents: true, excludeManagementEventSources: [], dataResources: [] }],
      });
    };

    // Act
    const change = await cloudTrail.remediate(accountFinding(), plan!, ctx);

    // Assess
    expect(change.before).toEqual({ kind: 'absent', trailName: 'hubfix-management-events', homeRegion: REGION });
    expect(change.after).toMatchObject({ trailArn: trailArn('hubfix-management-events'), isLogging: true, created: true });
    expect(trailsIn(sim)['trail/hubfix-management-events']).toMatchObject({ multiRegion: true, logging: true });
  });

  it('never adopts a same-named trail with other settings: refuses, names the difference, changes nothing', async () => {
    // Prepare: after the assessment someone creates a trail with hubfix's name but another bucket, single-region
    const { ctx, sim } = simulatedAccount(account({}), parseConfig({ cloudtrail: { trailBucket: 'central-trail-logs' } }));
    const { plan } = await cloudTrail.assess(accountFinding(), ctx);
    (sim.account(HOME_ACCOUNT).states.get('trails') as Record<string, unknown>[]).push({
      name: 'hubfix-management-events',
      homeRegion: REGION,
      s3BucketName: 'someone-elses-bucket',
      isMultiRegionTrail: false,
      isOrganizationTrail: false,
      includeGlobalServiceEvents: true,
      logFileValidationEnabled: false,
      isLogging: false,
      selectors: 'basic',
      s3DataEvents: [],
      eventSelectors: [{ readWriteType: 'All', includeManagementEvents: true, excludeManagementEventSources: [], dataResources: [] }],
    });
    const before = trailsIn(sim);

    // Act
    const attempt = cloudTrail.remediate(accountFinding(), plan!, ctx);

    // Assess
    await expect(attempt).rejects.toThrow(RemediationError);
    await expect(attempt).rejects.toThrow(
      new RegExp(
        'trail hubfix-management-events already exists .*delivers to s3://someone-elses-bucket, not central-trail-logs; ' +
          'single-region; log file validation off.*hubfix did not create it.*nothing was changed',
      ),
    );
    expect(trailsIn(sim)).toEqual(before);
  });

  it('treats a created trail that is already gone as rolled back (a retried undo)', async () => {
    // Prepare: the first rollback deleted the trail, but its response was lost
    const { ctx, sim } = simulatedAccount(account({}), parseConfig({ cloudtrail: { trailBucket: 'central-trail-logs' } }));
    const change = await cloudTrail.remediate(accountFinding(), (await cloudTrail.assess(accountFinding(), ctx)).plan!, ctx);
    const first = await cloudTrail.rollback(accountFinding(), change, ctx);

    // Act
    const retried = await cloudTrail.rollback(accountFinding(), change, ctx);

    // Assess
    expect(retried).toEqual(first);
    expect(retried.summary).toBe('Deleted trail hubfix-management-events, which hubfix had created');
    expect(trailsIn(sim)).toEqual({});
  });

  it('records what the assessment saw when a retry finds part of an update done, so rollback restores it all', async () => {
    // Prepare: PutEventSelectors applied, StartLogging throttled: the step fails half done
    const { ctx, sim } = simulatedAccount(
      account({ trails: [trail({ isLogging: false, eventSelectors: [{ readWriteType: 'WriteOnly' }] })] }),
    );
    const before = trailsIn(sim)['trail/main'];
    const { plan } = await cloudTrail.assess(accountFinding(), ctx);
    sim.faults = (call) => {
      if (call.command === 'StartLogging') throw new SimulatedServiceError('ThrottlingException', 'Rate exceeded', { throttling: true });
    };
    await expect(cloudTrail.remediate(accountFinding(), plan!, ctx)).rejects.toThrow(
      /StartLogging on trail main failed .*already done: PutEventSelectors/,
    );
    sim.faults = undefined;

    // Act
    const change = await cloudTrail.remediate(accountFinding(), plan!, ctx);
    await cloudTrail.rollback(accountFinding(), change, ctx);

    // Assess
    expect(change.summary).toBe('Trail main: PutEventSelectors, StartLogging');
    expect(change.before).toMatchObject({ isLogging: false, eventSelectors: [expect.objectContaining({ ReadWriteType: 'WriteOnly' })] });
    expect(trailsIn(sim)['trail/main']).toEqual(before);
  });

  it('fails verification when the trail stopped logging after the change', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(account({ trails: [trail({ isMultiRegionTrail: false })] }));
    const assessment = await cloudTrail.assess(accountFinding(), ctx);
    const change = await cloudTrail.remediate(accountFinding(), assessment.plan!, ctx);
    (sim.account(HOME_ACCOUNT).states.get('trails') as { isLogging: boolean }[])[0].isLogging = false;

    // Act / Assess
    await expect(cloudTrail.verify(accountFinding(), change, ctx)).rejects.toThrow(VerificationFailedError);
    await expect(cloudTrail.verify(accountFinding(), change, ctx)).rejects.toThrow(/NOT logging.*CloudTrail.1 still fails/);
  });
});

describe('CloudTrail.4: log file validation', () => {
  it('turns validation on at low risk, verifies it and rolls it back', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(account({ trails: [trail({ logFileValidationEnabled: false })] }));
    const f = trailFinding('CloudTrail.4');
    const assessment = await cloudTrail.assess(f, ctx);

    // Act
    const change = await cloudTrail.remediate(f, assessment.plan!, ctx);
    const observed = await cloudTrail.verify(f, change, ctx);
    const afterFix = trailsIn(sim)['trail/main'].logFileValidation;
    await cloudTrail.rollback(f, change, ctx);

    // Assess
    expect(assessment.risk).toBe('low');
    expect(assessment.plan?.steps).toEqual([`cloudtrail:UpdateTrail Name=${trailArn('main')} EnableLogFileValidation=true (in us-east-1)`]);
    expect(afterFix).toBe(true);
    expect(observed).toBe('CloudTrail reports trail main with log file validation on, logging');
    expect(trailsIn(sim)['trail/main'].logFileValidation).toBe(false);
  });

  it('reports a trail that already validates as passing', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account({ trails: [trail()] }));

    // Act
    const result = await cloudTrail.assess(trailFinding('CloudTrail.4'), ctx);

    // Assess
    expect(result.plan).toBeUndefined();
  });
});

describe('CloudTrail.2: SSE-KMS with a key whose policy lets CloudTrail encrypt', () => {
  it('names the one usable key, says why the others do not qualify, and who can still decrypt', async () => {
    // Prepare
    const keys = [
      key(KEY_A, ['alias/logs']),
      key(KEY_B, ['alias/app-data'], { policy: undefined }),
      key(KEY_AWS, ['alias/aws/s3'], { keyManager: 'AWS' }),
    ];
    const { ctx } = simulatedAccount(account({ trails: [trail()], kms: { keys } }));

    // Act
    const result = await cloudTrail.assess(trailFinding('CloudTrail.2'), ctx);

    // Assess
    expect(result.risk).toBe('unknown');
    expect(result.evidence).toContainEqual(
      expect.objectContaining({ unseen: true, source: 'not read: S3 data events on the trail bucket' }),
    );
    expect(result.plan?.parameters).toEqual({
      trailArn: trailArn('main'),
      homeRegion: REGION,
      setting: { kmsKeyId: keyArn(KEY_A) },
      observed: { kmsKeyId: null },
    });
    expect(result.plan?.summary).toBe('Encrypt the log files of trail main with KMS key alias/logs');
    const text = facts(result.evidence);
    expect(text).toContain(
      'KMS key alias/logs: usable, statement AllowCloudTrailEncrypt allows cloudtrail.amazonaws.com kms:GenerateDataKey*',
    );
    expect(text).toContain('KMS key alias/app-data: not usable, no statement allows cloudtrail.amazonaws.com kms:GenerateDataKey*');
    expect(text).not.toContain('alias/aws/s3');
    expect(text).toContain(`grants Decrypt to arn:aws:iam::${HOME_ACCOUNT}:role/auditor`);
  });

  it('routes a choice between several usable keys to a person, preferring the CloudTrail key', async () => {
    // Prepare
    const { ctx } = simulatedAccount(
      account({ trails: [trail()], kms: { keys: [key(KEY_A, ['alias/logs']), key(KEY_B, ['alias/cloudtrail-logs'])] } }),
    );

    // Act
    const result = await cloudTrail.assess(trailFinding('CloudTrail.2'), ctx);

    // Assess
    expect(result.risk).toBe('high');
    expect(result.riskReason).toBe(
      '2 keys could encrypt main; the plan picks alias/cloudtrail-logs: confirm the choice (or pin another with cloudtrail.kmsKeyArn)',
    );
    expect(result.plan?.parameters).toHaveProperty('setting', { kmsKeyId: keyArn(KEY_B) });
  });

  it('is blocked, with the evidence, when no key lets CloudTrail encrypt this trail', async () => {
    // Prepare: the only key's policy admits another account's trails
    const otherAccount = { StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': 'arn:aws:cloudtrail:*:999999999999:trail/*' } };
    const { ctx } = simulatedAccount(
      account({
        trails: [trail()],
        kms: { keys: [key(KEY_A, ['alias/logs'], { policy: cloudTrailKeyPolicy({ Condition: otherAccount }) })] },
      }),
    );

    // Act
    const result = await cloudTrail.assess(trailFinding('CloudTrail.2'), ctx);

    // Assess
    expect(result.blocked).toBe(true);
    expect(result.plan).toBeUndefined();
    expect(result.riskReason).toMatch(/no KMS key lets CloudTrail encrypt main.*set cloudtrail.kmsKeyArn/);
    expect(facts(result.evidence)).toContain('not usable, its statements for cloudtrail.amazonaws.com do not admit');
  });

  it('encrypts, verifies, fails verification when the key is removed, and rolls back to SSE-S3', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(
      account({ trails: [trail()], kms: { keys: [key(KEY_A, ['alias/logs'])] } }),
      parseConfig({ cloudtrail: { kmsKeyArn: keyArn(KEY_A) } }),
    );
    const f = trailFinding('CloudTrail.2');
    const assessment = await cloudTrail.assess(f, ctx);

    // Act
    const change = await cloudTrail.remediate(f, assessment.plan!, ctx);
    const observed = await cloudTrail.verify(f, change, ctx);
    (sim.account(HOME_ACCOUNT).states.get('trails') as { kmsKeyId?: string }[])[0].kmsKeyId = undefined;
    const failed = cloudTrail.verify(f, change, ctx);
    await cloudTrail.remediate(f, assessment.plan!, ctx);
    await cloudTrail.rollback(f, change, ctx);

    // Assess
    expect(observed).toBe(`CloudTrail reports trail main with SSE-KMS with ${keyArn(KEY_A)}, logging`);
    await expect(failed).rejects.toThrow(`Trail main has SSE-KMS off, not SSE-KMS with ${keyArn(KEY_A)}`);
    expect(trailsIn(sim)['trail/main'].kmsKeyId).toBeNull();
  });
});

describe('CloudTrail.7: access logging on the trail bucket', () => {
  const bucketFinding = () => findingRef('CloudTrail.7', { type: 'AwsS3Bucket', id: 'arn:aws:s3:::org-trail-logs' });
  const buckets = [{ name: 'org-trail-logs' }, { name: 'access-logs' }];
  const loggingIn = (sim: ReturnType<typeof simulatedAccount>['sim']) =>
    (sim.snapshot()[HOME_ACCOUNT].s3Logging as Record<string, string>)['bucket/org-trail-logs'];

  it('is blocked until an access-log bucket is configured', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account({ trails: [trail()], s3Logging: { buckets } }));

    // Act
    const result = await cloudTrail.assess(bucketFinding(), ctx);

    // Assess
    expect(result.blocked).toBe(true);
    expect(result.plan).toBeUndefined();
    expect(result.riskReason).toContain('set cloudtrail.accessLogBucket');
    expect(facts(result.evidence)).toContain('Bucket org-trail-logs receives the logs of trail(s) main.');
  });

  it('is blocked when the configured bucket does not exist', async () => {
    // Prepare
    const { ctx } = simulatedAccount(
      account({ trails: [trail()], s3Logging: { buckets: [buckets[0]] } }),
      parseConfig({ cloudtrail: { accessLogBucket: 'access-logs' } }),
    );

    // Act
    const result = await cloudTrail.assess(bucketFinding(), ctx);

    // Assess
    expect(result).toMatchObject({ blocked: true, riskReason: 'the configured access-log bucket access-logs does not exist' });
  });

  it('turns access logging on into the configured bucket, verifies it and turns it off again on rollback', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(
      account({ trails: [trail()], s3Logging: { buckets } }),
      parseConfig({ cloudtrail: { accessLogBucket: 'access-logs' } }),
    );
    const assessment = await cloudTrail.assess(bucketFinding(), ctx);

    // Act
    const change = await cloudTrail.remediate(bucketFinding(), assessment.plan!, ctx);
    const observed = await cloudTrail.verify(bucketFinding(), change, ctx);
    const afterFix = loggingIn(sim);
    await cloudTrail.rollback(bucketFinding(), change, ctx);

    // Assess
    expect(assessment.risk).toBe('low');
    expect(assessment.plan?.steps).toEqual([
      's3:PutBucketLogging Bucket=org-trail-logs TargetBucket=access-logs TargetPrefix=org-trail-logs/',
    ]);
    expect(afterFix).toBe('logs to access-logs/org-trail-logs/');
    expect(observed).toBe('S3 reports that bucket org-trail-logs logs access to s3://access-logs/org-trail-logs/');
    expect(loggingIn(sim)).toBe('no access logging');
  });
});

describe('key policy reading', () => {
  const arn = trailArn('main');
  it.each([
    [
      'a Deny for CloudTrail wins',
      {
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'kms:*' },
          { Sid: 'NoCT', Effect: 'Deny', Principal: '*', Action: 'kms:GenerateDataKey*' },
        ],
      },
      false,
    ],
    [
      'an exact aws:SourceArn for this trail admits it',
      {
        Statement: {
          Effect: 'Allow',
          Principal: { Service: ['cloudtrail.amazonaws.com'] },
          Action: ['kms:GenerateDataKey*'],
          Condition: { StringEquals: { 'aws:SourceArn': arn } },
        },
      },
      true,
    ],
    [
      'an exact aws:SourceArn for another trail does not',
      {
        Statement: {
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 'kms:GenerateDataKey*',
          Condition: { StringEquals: { 'aws:SourceArn': trailArn('other') } },
        },
      },
      false,
    ],
    [
      'kms:Encrypt alone is not enough',
      { Statement: { Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'kms:Encrypt' } },
      false,
    ],
  ])('%s', (_name, policy, allowed) => {
    // Act / Assess
    expect(cloudTrailKeyAccess(JSON.stringify(policy), arn).allowed).toBe(allowed);
  });
});
