import { defaultConfig } from '../../platform/config';
import { ec2Imdsv2 } from './definition';
import { SimulatedServiceError } from '../../../sandbox/simulated-aws';
import { findingRef } from '../../../test/support/finding-ref';
import { planned } from '../../../test/support/plan';
import { simulatedAccount } from '../../../test/support/simulated-account';
import { HOME_ACCOUNT } from '../../../test/support/workflow';

const INSTANCE = 'i-0123456789abcdef0';

const finding = (instanceId = INSTANCE) =>
  findingRef('EC2.8', { type: 'AwsEc2Instance', id: `arn:aws:ec2:us-east-1:${HOME_ACCOUNT}:instance/${instanceId}` }, { severity: 'HIGH' });

/** One MetadataNoToken datapoint a day for the last `days` days, with the given daily sums (newest last). */
const noTokenMetric = (sums: number[], instanceId = INSTANCE) => ({
  namespace: 'AWS/EC2',
  metricName: 'MetadataNoToken',
  dimensions: { InstanceId: instanceId },
  datapoints: sums.map((sum, i) => ({ timestamp: `now-${sums.length - i}d`, sum })),
});

const account = (instance: Record<string, unknown> = {}, metrics: unknown[] = [noTokenMetric(Array(14).fill(0))]) => ({
  [HOME_ACCOUNT]: { instances: [{ instanceId: INSTANCE, ...instance }], metrics },
});
const tokensOf = (sim: ReturnType<typeof simulatedAccount>['sim']) =>
  (sim.snapshot()[HOME_ACCOUNT].instances as Record<string, string>)[`instance/${INSTANCE}`];

describe('ec2-imdsv2 assess', () => {
  it('rates an instance with no IMDSv1 calls over the lookback as low risk and plans HttpTokens=required, endpoint unchanged', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account());

    // Act
    const result = await ec2Imdsv2.assess(finding(), ctx);

    // Assess
    expect(result.risk).toBe('low');
    expect(result.plan?.steps).toEqual([
      `ec2:ModifyInstanceMetadataOptions InstanceId=${INSTANCE} HttpTokens=required HttpEndpoint=enabled`,
    ]);
    expect(result.evidence).toContainEqual({
      fact: `No IMDSv1 calls (MetadataNoToken sum 0) from ${INSTANCE} over 14 of 14 day(s) of the window.`,
      source: 'cloudwatch:GetMetricStatistics AWS/EC2 MetadataNoToken',
      where: 'account 111111111111, us-east-1',
      window: 'last 14 days, daily sums',
    });
  });

  it('rates an instance still making IMDSv1 calls as high risk, with the count as evidence', async () => {
    // Prepare: calls 10 and 2 days ago; one from 20 days ago is outside the 14-day lookback
    const metric = noTokenMetric([...Array(20).fill(0)]);
    metric.datapoints.push({ timestamp: 'now-20d', sum: 500 }, { timestamp: 'now-10d', sum: 40 }, { timestamp: 'now-2d', sum: 2 });
    const { ctx } = simulatedAccount(account({}, [metric]));

    // Act
    const result = await ec2Imdsv2.assess(finding(), ctx);

    // Assess
    expect(result.risk).toBe('high');
    expect(result.riskReason).toContain(`software on ${INSTANCE} made 42 IMDSv1 calls in the last 14 days; requiring IMDSv2 breaks it`);
    expect(result.evidence.map((e) => e.fact)).toContain(
      `42 IMDSv1 calls (MetadataNoToken) from ${INSTANCE} in the last 14 days, the latest on 2026-11-20: software on it still reads ` +
        `metadata without a token.`,
    );
  });

  it('treats a stopped instance with no metric data as unknown: IMDSv1 use is not seen, and says so', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account({ state: 'stopped' }, []));

    // Act
    const result = await ec2Imdsv2.assess(finding(), ctx);

    // Assess
    expect(result.risk).toBe('unknown');
    expect(result.evidence).toContainEqual(
      expect.objectContaining({
        fact:
          `CloudWatch has no MetadataNoToken datapoint for ${INSTANCE} (stopped) in the last 14 days: the instance did not run, ` +
          `so IMDSv1 use is not seen.`,
        unseen: true,
      }),
    );
    expect(result.evidence[0].fact).toContain(`Instance ${INSTANCE} is stopped; HttpTokens=optional`);
  });

  it('treats a production-tagged instance or a production account as high risk even without IMDSv1 calls', async () => {
    // Prepare
    const tagged = simulatedAccount(account({ tags: { Environment: 'prod' } }));
    const inProductionAccount = simulatedAccount(account(), {
      ...defaultConfig(),
      production: { ...defaultConfig().production, accountIds: [HOME_ACCOUNT] },
    });

    // Act
    const byTag = await ec2Imdsv2.assess(finding(), tagged.ctx);
    const byAccount = await ec2Imdsv2.assess(finding(), inProductionAccount.ctx);

    // Assess
    expect(byTag).toMatchObject({ risk: 'high', riskReason: expect.stringContaining('is tagged Environment=prod') });
    expect(byAccount).toMatchObject({ risk: 'high', riskReason: expect.stringContaining(`account ${HOME_ACCOUNT} is production`) });
  });

  it('has no plan when the instance already requires IMDSv2, and does not read the metric', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account({ metadataOptions: { httpTokens: 'required' } }));

    // Act
    const result = await ec2Imdsv2.assess(finding(), ctx);

    // Assess
    expect(result.plan).toBeUndefined();
    expect(sim.calls.map((c) => c.command)).toEqual(['DescribeInstances']);
  });

  it('reports a missing or terminated instance as ResourceNotFoundError', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account({ state: 'terminated' }));

    // Act / Assess
    await expect(ec2Imdsv2.assess(finding(), ctx)).rejects.toMatchObject({ name: 'ResourceNotFoundError' });
    await expect(ec2Imdsv2.assess(finding('i-0000000000000dead'), ctx)).rejects.toMatchObject({ name: 'ResourceNotFoundError' });
  });
});

describe('ec2-imdsv2 remediate, verify, rollback', () => {
  it('requires IMDSv2, verifies it on re-read, and rollback makes tokens optional again', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account());
    const plan = planned((await ec2Imdsv2.assess(finding(), ctx)).plan);

    // Act
    const change = await ec2Imdsv2.remediate(finding(), plan, ctx);
    const observed = await ec2Imdsv2.verify(finding(), change, ctx);
    const afterFix = tokensOf(sim);
    const undone = await ec2Imdsv2.rollback(finding(), change, ctx);

    // Assess
    expect(change).toMatchObject({
      before: { httpTokens: 'optional', httpEndpoint: 'enabled' },
      after: { httpTokens: 'required', httpEndpoint: 'enabled' },
    });
    expect(observed).toBe(`EC2 reports HttpTokens=required (applied) on ${INSTANCE}, HttpEndpoint=enabled`);
    expect(afterFix).toBe('HttpTokens=required');
    expect(undone.summary).toBe(`Set HttpTokens=optional on instance ${INSTANCE} (was required)`);
    expect(tokensOf(sim)).toBe('HttpTokens=optional');
  });

  it('never switches a disabled metadata endpoint on', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account({ metadataOptions: { httpEndpoint: 'disabled' } }));
    const inputs: Record<string, unknown>[] = [];
    sim.faults = (call, input) => {
      if (call.command === 'ModifyInstanceMetadataOptions') inputs.push(input);
    };

    // Act
    await ec2Imdsv2.remediate(finding(), planned((await ec2Imdsv2.assess(finding(), ctx)).plan), ctx);

    // Assess
    expect(inputs).toEqual([expect.objectContaining({ InstanceId: INSTANCE, HttpTokens: 'required', HttpEndpoint: 'disabled' })]);
  });

  it('fails verification when the re-read shows tokens optional again', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account());
    const change = await ec2Imdsv2.remediate(finding(), planned((await ec2Imdsv2.assess(finding(), ctx)).plan), ctx);
    (sim.account(HOME_ACCOUNT).states.get('instances') as { metadataOptions: { httpTokens: string } }[])[0].metadataOptions.httpTokens =
      'optional';

    // Act / Assess
    await expect(ec2Imdsv2.verify(finding(), change, ctx)).rejects.toMatchObject({
      name: 'VerificationFailedError',
      message: `Instance ${INSTANCE} still has HttpTokens=optional`,
    });
  });

  it('reports a refused change as a RemediationError that says nothing changed', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account());
    const plan = planned((await ec2Imdsv2.assess(finding(), ctx)).plan);
    sim.faults = (call) => {
      if (call.command === 'ModifyInstanceMetadataOptions')
        throw new SimulatedServiceError('UnauthorizedOperation', 'You are not authorized to perform this operation.');
    };

    // Act / Assess
    await expect(ec2Imdsv2.remediate(finding(), plan, ctx)).rejects.toMatchObject({
      name: 'RemediationError',
      message: expect.stringMatching(/UnauthorizedOperation.*nothing was changed/),
    });
    expect(tokensOf(sim)).toBe('HttpTokens=optional');
  });
});
