import { defaultConfig, parseConfig } from '../../platform/config';
import { iamAccessKeys } from './definition';
import { userNameOf } from './keys';
import { SimulatedServiceError } from '../../../sandbox/simulated-aws';
import { findingRef } from '../../../test/support/finding-ref';
import { NOW, simulatedAccount } from '../../../test/support/simulated-account';
import { HOME_ACCOUNT } from '../../../test/support/workflow';

const finding = (user: string, controlId = 'IAM.3') =>
  findingRef(controlId, { type: 'AwsIamUser', id: `arn:aws:iam::${HOME_ACCOUNT}:user/${user}` });

const key = (id: string, createDate: string, lastUsed?: string) => ({
  accessKeyId: id,
  createDate,
  ...(lastUsed ? { lastUsed: { date: lastUsed, serviceName: 's3', region: 'us-east-1' } } : {}),
});

const account = (users: unknown[], extra: Record<string, unknown> = {}, logEvents: Record<string, unknown>[] = []) => ({
  [HOME_ACCOUNT]: { iam: { users }, ...extra },
  [LOG_ARCHIVE]: { name: 'log-archive', s3: { buckets: [trailLogs(logEvents)] } },
});

/** The organization trail's bucket lives in the log-archive account; the data-event source points there. */
const LOG_ARCHIVE = '222222222222';
const withSource = parseConfig({
  usage: {
    dataEventSource: {
      type: 'trail-s3',
      bucket: 'org-trail-logs',
      keyPrefix: 'org',
      accountId: LOG_ARCHIVE,
      region: 'us-east-1',
      organizationId: 'o-a1b2c3d4e5',
    },
  },
});
const trailLogs = (events: Record<string, unknown>[]) => ({
  name: 'org-trail-logs',
  cloudTrailLogs: { prefix: 'org', organizationId: 'o-a1b2c3d4e5', events: events.map((e) => ({ accountId: HOME_ACCOUNT, ...e })) },
});
const sendMessage = (accessKeyId: string) => ({
  eventSource: 'sqs.amazonaws.com',
  eventName: 'SendMessage',
  accessKeyId,
  requestParameters: { queueUrl: 'https://sqs.us-east-1.amazonaws.com/111111111111/q' },
  userAgent: 'boto3/1.34',
});

describe('iam-access-keys assess', () => {
  it('rates an old key unused for months, on an untagged user, as low risk and plans to deactivate only it', async () => {
    // Prepare
    const { ctx } = simulatedAccount(
      account([
        {
          userName: 'ci',
          accessKeys: [key('AKIAOLDKEY000000001', 'now-300d', 'now-200d'), key('AKIANEWKEY000000002', 'now-10d', 'now-1d')],
        },
      ]),
    );

    // Act
    const result = await iamAccessKeys.assess(finding('ci'), ctx);

    // Assess
    expect(result.risk).toBe('low');
    expect(result.plan?.parameters).toEqual({
      userName: 'ci',
      accessKeyIds: ['AKIAOLDKEY000000001'],
      observed: { statuses: { AKIAOLDKEY000000001: 'Active' } },
    });
    expect(result.evidence.map((e) => e.source)).toEqual(
      expect.arrayContaining(['iam:ListAccessKeys', 'iam:GetAccessKeyLastUsed', 'cloudtrail:LookupEvents']),
    );
  });

  it('rates a key used an hour ago from a production instance as high risk, with the data-plane evidence that makes it so', async () => {
    // Prepare: SendMessage is a data event: only the trail's log files (the data-event source) hold it
    const { ctx } = simulatedAccount(
      account(
        [{ userName: 'svc', accessKeys: [key('AKIASVCKEY000000001', 'now-200d', 'now-1h')] }],
        {
          instances: [{ instanceId: 'i-0123456789abcdef0', privateIpAddress: '10.0.0.9', tags: { Environment: 'Prod' } }],
        },
        [{ eventTime: 'now-1h', ...sendMessage('AKIASVCKEY000000001'), sourceIPAddress: '10.0.0.9' }],
      ),
      withSource,
    );

    // Act
    const result = await iamAccessKeys.assess(finding('svc'), ctx);

    // Assess
    expect(result.risk).toBe('high');
    expect(result.riskReason).toContain('a production instance (i-0123456789abcdef0) uses the key');
    const facts = result.evidence.map((e) => e.fact).join('\n');
    expect(facts).toContain('was last used 1 hour ago');
    expect(facts).toMatch(
      /Data-plane calls with AKIASVCKEY000000001 .*: 1 call\(s\) \(SendMessage\) to sqs; .* from 10\.0\.0\.9; user agents boto3\/1\.34/,
    );
    expect(facts).toContain('Calls came from instance i-0123456789abcdef0 (running), tagged Environment=Prod');
    expect(result.evidence.find((e) => e.fact.startsWith('Data-plane'))).toMatchObject({
      where: expect.stringContaining('s3://org-trail-logs/org/AWSLogs/ (organization trail logs, account 222222222222)'),
      window: 'last 14 days (2026-11-08 to 2026-11-22)',
    });
  });

  it('says the data plane was not visible without a data-event source, and calls the risk unknown when the key is in use', async () => {
    // Prepare: used 50 days ago, inside a 60-day window but past the 45 days that make recent use "high" by itself
    const config = { ...defaultConfig(), thresholds: { unusedKeyDays: 45, lookbackDays: 60 } };
    const { ctx } = simulatedAccount(
      account([{ userName: 'u', accessKeys: [key('AKIAKEY0000000000001', 'now-300d', 'now-50d')] }]),
      config,
    );

    // Act
    const result = await iamAccessKeys.assess(finding('u'), ctx);

    // Assess
    expect(result.risk).toBe('unknown');
    expect(result.evidence).toContainEqual(
      expect.objectContaining({
        fact: expect.stringMatching(/^Data-plane calls with AKIAKEY0000000000001 .* were not visible: no data-event source is configured/),
        unseen: true,
      }),
    );
    expect(result.riskReason).toContain('were not visible');
  });

  it('says the data plane was not visible but settled when IAM records no use of the key in the window: the risk stays low', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account([{ userName: 'u', accessKeys: [key('AKIAKEY0000000000001', 'now-300d', 'now-200d')] }]));

    // Act
    const result = await iamAccessKeys.assess(finding('u'), ctx);

    // Assess
    expect(result.risk).toBe('low');
    const dataPlane = result.evidence.find((e) => e.fact.startsWith('Data-plane'));
    expect(dataPlane?.fact).toContain('were not visible (no data-event source is configured); none can have happened in the window');
    expect(dataPlane?.unseen).toBeUndefined();
  });

  it('looks in every enabled region, and not in opt-in regions the account has not enabled', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(
      account([{ userName: 'u', accessKeys: [key('AKIAKEY0000000000001', 'now-300d', 'now-200d')] }], {
        regions: { enabled: ['us-east-1', 'eu-west-1', 'ap-east-1'] },
      }),
    );

    // Act
    const result = await iamAccessKeys.assess(finding('u'), ctx);

    // Assess
    const looked = sim.calls.filter((c) => c.command === 'LookupEvents').map((c) => c.region);
    expect(looked.sort()).toEqual(['ap-east-1', 'eu-west-1', 'us-east-1']);
    expect(result.evidence).toContainEqual(
      expect.objectContaining({ source: 'cloudtrail:LookupEvents', where: 'us-east-1, eu-west-1, ap-east-1', window: expect.any(String) }),
    );
  });

  it.each([
    ['AccessDenied', new SimulatedServiceError('AccessDenied', 'not authorized to perform: cloudtrail:LookupEvents'), 'AccessDenied'],
    ['throttled', new SimulatedServiceError('ThrottlingException', 'Rate exceeded', { throttling: true }), 'throttled after retries'],
  ])('makes the risk unknown when one region cannot be read (%s), naming the region and why', async (_, error, why) => {
    // Prepare
    const { ctx, sim } = simulatedAccount(
      account([{ userName: 'u', accessKeys: [key('AKIAKEY0000000000001', 'now-300d', 'now-200d')] }], {
        regions: { enabled: ['us-east-1', 'eu-west-1'] },
      }),
    );
    sim.faults = (call) => {
      if (call.command === 'LookupEvents' && call.region === 'eu-west-1') throw error;
    };

    // Act
    const result = await iamAccessKeys.assess(finding('u'), ctx);

    // Assess
    expect(result.risk).toBe('unknown');
    expect(result.evidence).toContainEqual(
      expect.objectContaining({
        where: 'eu-west-1',
        unseen: true,
        fact: expect.stringContaining(`CloudTrail event history in eu-west-1 could not be read (${why}`),
      }),
    );
  });

  it('reads IAM access advisor, polling its job until it completes', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(
      account([
        {
          userName: 'u',
          accessKeys: [key('AKIAKEY0000000000001', 'now-300d', 'now-200d')],
          accessAdvisorPolls: 2,
          serviceLastAccessed: [{ serviceNamespace: 's3', lastAuthenticated: 'now-3d', region: 'eu-west-1' }],
        },
      ]),
    );

    // Act
    const result = await iamAccessKeys.assess(finding('u'), ctx);

    // Assess
    expect(sim.calls.filter((c) => c.command === 'GetServiceLastAccessedDetails')).toHaveLength(3);
    expect(result.evidence.map((e) => e.fact)).toContainEqual(
      'IAM access advisor: u (any of its credentials) authenticated to 1 service(s) in the window: s3 (eu-west-1, 3 days ago).',
    );
  });

  it('gives up on an access advisor job that does not finish in time, and calls the risk unknown', async () => {
    // Prepare
    const { ctx } = simulatedAccount(
      account([{ userName: 'u', accessKeys: [key('AKIAKEY0000000000001', 'now-300d', 'now-200d')], accessAdvisorPolls: 100 }]),
    );

    // Act
    const result = await iamAccessKeys.assess(finding('u'), ctx);

    // Assess
    expect(result.risk).toBe('unknown');
    expect(result.riskReason).toContain('the access advisor job was still IN_PROGRESS after 3.75 s');
  });

  it('says so when the log-file cap cut the data-event read short and nothing was found: the risk is unknown', async () => {
    // Prepare: three log files in the window, none with the key; a cap of two
    const other = (time: string) => ({ eventTime: time, ...sendMessage('AKIAOTHERKEY0000001') });
    const { ctx } = simulatedAccount(
      account(
        [{ userName: 'u', accessKeys: [key('AKIAKEY0000000000001', 'now-300d', 'now-20d')] }],
        {
          regions: { enabled: ['us-east-1'] },
        },
        [other('now-1d'), other('now-2d'), other('now-3d')],
      ),
      { ...withSource, thresholds: { unusedKeyDays: 10, lookbackDays: 30 }, usage: { ...withSource.usage, maxLogFiles: 2 } },
    );

    // Act
    const result = await iamAccessKeys.assess(finding('u'), ctx);

    // Assess
    expect(result.risk).toBe('unknown');
    expect(result.evidence).toContainEqual(
      expect.objectContaining({
        fact: expect.stringContaining('none in 2 log file(s); only the newest 2 log files were read (usage.maxLogFiles)'),
        unseen: true,
      }),
    );
  });

  it('treats a production-tagged user or a production account as high risk even with no recent use', async () => {
    // Prepare
    const users = [{ userName: 'old', tags: { env: 'production' }, accessKeys: [key('AKIAOLDKEY000000001', 'now-300d')] }];
    const tagged = simulatedAccount(account(users));
    const inProductionAccount = simulatedAccount(account([{ ...users[0], tags: {} }]), {
      ...defaultConfig(),
      production: { ...defaultConfig().production, accountIds: [HOME_ACCOUNT] },
    });

    // Act
    const byTag = await iamAccessKeys.assess(finding('old'), tagged.ctx);
    const byAccount = await iamAccessKeys.assess(finding('old'), inProductionAccount.ctx);

    // Assess
    expect(byTag).toMatchObject({ risk: 'high', riskReason: expect.stringContaining('tagged env=production') });
    expect(byAccount).toMatchObject({ risk: 'high', riskReason: expect.stringContaining(`account ${HOME_ACCOUNT} is production`) });
  });

  it.each([
    ['IAM.3', 'now-60d', undefined, false],
    ['IAM.3', 'now-91d', 'now-1d', true],
    ['IAM.8', 'now-200d', 'now-80d', false],
    ['IAM.8', 'now-200d', 'now-91d', true],
    ['IAM.22', 'now-200d', 'now-40d', false],
    ['IAM.22', 'now-200d', 'now-46d', true],
    ['IAM.22', 'now-50d', undefined, true],
  ])('%s: key created %s, last used %s → fails the control: %s', async (controlId, created, used, fails) => {
    // Prepare
    const { ctx } = simulatedAccount(account([{ userName: 'u', accessKeys: [key('AKIAKEY0000000000001', created, used)] }]));

    // Act
    const result = await iamAccessKeys.assess(finding('u', controlId), ctx);

    // Assess
    expect(result.plan !== undefined).toBe(fails);
  });

  it('returns no plan when no active key fails any more (the control already passes)', async () => {
    // Prepare
    const { ctx } = simulatedAccount(
      account([{ userName: 'u', accessKeys: [{ ...key('AKIAKEY0000000000001', 'now-300d'), status: 'Inactive' }] }]),
    );

    // Act
    const result = await iamAccessKeys.assess(finding('u'), ctx);

    // Assess
    expect(result.plan).toBeUndefined();
    expect(result.riskReason).toContain('No active key');
  });

  it('uses the tags Assess already read instead of asking IAM again', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(
      account([{ userName: 'old', tags: { env: 'production' }, accessKeys: [key('AKIAOLDKEY000000001', 'now-300d')] }]),
    );

    // Act
    const result = await iamAccessKeys.assess(finding('old'), { ...ctx, resourceTags: { env: 'production' } });

    // Assess
    expect(result).toMatchObject({ risk: 'high', riskReason: expect.stringContaining('tagged env=production') });
    expect(sim.calls.map((c) => c.command)).not.toContain('ListUserTags');
  });

  it('says clearly when the user no longer exists', async () => {
    const { ctx } = simulatedAccount(account([]));
    await expect(iamAccessKeys.assess(finding('ghost'), ctx)).rejects.toThrow(
      expect.objectContaining({ name: 'ResourceNotFoundError', message: 'IAM user ghost no longer exists' }),
    );
  });

  it('reads the user from an access-key resource (GuardDuty style) and only acts on the named key', async () => {
    // Prepare
    const { ctx } = simulatedAccount(
      account([{ userName: 'u', accessKeys: [key('AKIAKEY0000000000001', 'now-300d'), key('AKIAKEY0000000000002', 'now-300d')] }]),
    );
    const accessKeyFinding = findingRef('IAM.3', {
      type: 'AwsIamAccessKey',
      id: 'AWS::IAM::AccessKey:AKIAKEY0000000000002',
      details: { AwsIamAccessKey: { PrincipalName: 'u' } },
    });

    // Act
    const result = await iamAccessKeys.assess(accessKeyFinding, ctx);

    // Assess
    expect(userNameOf(accessKeyFinding)).toBe('u');
    expect(result.plan?.parameters).toEqual({
      userName: 'u',
      accessKeyIds: ['AKIAKEY0000000000002'],
      observed: { statuses: { AKIAKEY0000000000002: 'Active' } },
    });
  });
});

describe('iam-access-keys remediate, verify, rollback', () => {
  const users = [{ userName: 'ci', accessKeys: [key('AKIAOLDKEY000000001', 'now-300d')] }];

  it('deactivates (never deletes) the planned key, verifies it independently, and rollback reactivates it', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(account(users));
    const plan = (await iamAccessKeys.assess(finding('ci'), ctx)).plan;
    if (!plan) throw new Error('expected a plan');

    // Act
    const change = await iamAccessKeys.remediate(finding('ci'), plan, ctx);
    const observed = await iamAccessKeys.verify(finding('ci'), change, ctx);
    const statusAfterFix = sim.snapshot()[HOME_ACCOUNT].iam;
    const undo = await iamAccessKeys.rollback(finding('ci'), change, ctx);

    // Assess
    expect(change).toMatchObject({
      before: { statuses: { AKIAOLDKEY000000001: 'Active' } },
      after: { statuses: { AKIAOLDKEY000000001: 'Inactive' } },
      reversible: true,
      changedAt: NOW.toISOString(),
    });
    expect(statusAfterFix).toEqual({ 'user/ci': { AKIAOLDKEY000000001: 'Inactive' } });
    expect(observed).toBe('IAM reports AKIAOLDKEY000000001 of ci as Inactive');
    expect(undo.after).toEqual({ userName: 'ci', statuses: { AKIAOLDKEY000000001: 'Active' } });
    expect(sim.snapshot()[HOME_ACCOUNT].iam).toEqual({ 'user/ci': { AKIAOLDKEY000000001: 'Active' } });
    expect(sim.calls.map((c) => c.command)).not.toContain('DeleteAccessKey');
  });

  it('fails verification when the key is still active', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account(users));
    const change = {
      summary: 's',
      before: { userName: 'ci', statuses: { AKIAOLDKEY000000001: 'Active' } },
      after: { userName: 'ci', statuses: { AKIAOLDKEY000000001: 'Inactive' } },
      changedAt: '',
      reversible: true,
    };

    // Act / Assess
    await expect(iamAccessKeys.verify(finding('ci'), change, ctx)).rejects.toThrow(
      expect.objectContaining({ name: 'VerificationFailedError' }),
    );
  });

  it('reports a key deleted between assessment and remediation as ResourceNotFoundError, changing nothing', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account([{ userName: 'ci', accessKeys: [] }]));
    const plan = { summary: 's', steps: [], reversible: true, parameters: { userName: 'ci', accessKeyIds: ['AKIAOLDKEY000000001'] } };

    // Act / Assess
    await expect(iamAccessKeys.remediate(finding('ci'), plan, ctx)).rejects.toThrow(
      expect.objectContaining({ name: 'ResourceNotFoundError' }),
    );
  });

  it('records the keys as Active when a retry finds them already Inactive, so the undo reactivates them', async () => {
    // Prepare: the first remediate deactivated both keys, but its response was lost
    const keys = [key('AKIAKEY0000000000001', 'now-300d'), key('AKIAKEY0000000000002', 'now-300d')];
    const { ctx, sim } = simulatedAccount(account([{ userName: 'ci', accessKeys: keys }]));
    const { plan } = await iamAccessKeys.assess(finding('ci'), ctx);
    const first = await iamAccessKeys.remediate(finding('ci'), plan!, ctx);

    // Act
    const retried = await iamAccessKeys.remediate(finding('ci'), plan!, ctx);
    await iamAccessKeys.rollback(finding('ci'), retried, ctx);

    // Assess
    expect(retried).toEqual(first);
    expect(retried.summary).toBe('Set access keys AKIAKEY0000000000001, AKIAKEY0000000000002 of ci to Inactive');
    expect(sim.snapshot()[HOME_ACCOUNT].iam).toEqual({ 'user/ci': { AKIAKEY0000000000001: 'Active', AKIAKEY0000000000002: 'Active' } });
  });

  it('says exactly which keys changed when AWS refuses part-way', async () => {
    // Prepare
    const { ctx, sim } = simulatedAccount(
      account([{ userName: 'ci', accessKeys: [key('AKIAKEY0000000000001', 'now-300d'), key('AKIAKEY0000000000002', 'now-300d')] }]),
    );
    let updates = 0;
    sim.faults = (call) => {
      if (call.command === 'UpdateAccessKey' && ++updates === 2) throw new SimulatedServiceError('AccessDenied', 'denied');
    };
    const plan = {
      summary: 's',
      steps: [],
      reversible: true,
      parameters: { userName: 'ci', accessKeyIds: ['AKIAKEY0000000000001', 'AKIAKEY0000000000002'] },
    };

    // Act / Assess
    await expect(iamAccessKeys.remediate(finding('ci'), plan, ctx)).rejects.toThrow(
      'Setting AKIAKEY0000000000002 to Inactive failed (AccessDenied: denied); already set AKIAKEY0000000000001 to Inactive',
    );
  });
});
