import { defaultConfig, type HubfixConfig } from '../../platform/config';
import { vpcFlowLogs } from './definition';
import { SimulatedServiceError } from '../../../sandbox/simulated-aws';
import { findingRef } from '../../../test/support/finding-ref';
import { planned } from '../../../test/support/plan';
import { simulatedAccount } from '../../../test/support/simulated-account';
import { HOME_ACCOUNT } from '../../../test/support/workflow';

const VPC = 'vpc-0a1b2c3d4e5f60001';
const CENTRAL_BUCKET = 'arn:aws:s3:::secops-central-flow-logs';
const CENTRAL_GROUP = `arn:aws:logs:us-east-1:${HOME_ACCOUNT}:log-group:secops-flow-logs`;
const TEAM_GROUP = `arn:aws:logs:us-east-1:${HOME_ACCOUNT}:log-group:payments-team-flow-logs`;
const ROLE = `arn:aws:iam::${HOME_ACCOUNT}:role/flow-logs-delivery`;

const finding = (vpcId = VPC) => findingRef('EC2.6', { type: 'AwsEc2Vpc', id: `arn:aws:ec2:us-east-1:${HOME_ACCOUNT}:vpc/${vpcId}` });

const withCentral = (centralDestinations: string[], deliverLogsPermissionArn?: string): HubfixConfig => ({
  ...defaultConfig(),
  flowLogs: { centralDestinations, ...(deliverLogsPermissionArn ? { deliverLogsPermissionArn } : {}) },
});

const teamFlowLog = {
  flowLogId: 'fl-0123456789abcdef0',
  resourceId: VPC,
  trafficType: 'ALL',
  logDestination: TEAM_GROUP,
  deliverLogsPermissionArn: ROLE,
};
const account = (flowLogs: unknown[] = [], tags: Record<string, string> = {}) => ({
  [HOME_ACCOUNT]: { ec2Vpc: { vpcs: [{ vpcId: VPC, tags }], flowLogs } },
});
const flowLogsIn = (sim: ReturnType<typeof simulatedAccount>['sim']) =>
  (sim.snapshot()[HOME_ACCOUNT].ec2Vpc as Record<string, string[]>)[`vpc/${VPC}`];

describe('vpc-flow-logs assess', () => {
  it('plans a REJECT flow log to the central bucket for a VPC with no flow logs at all', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account(), withCentral([CENTRAL_BUCKET]));

    // Act
    const result = await vpcFlowLogs.assess(finding(), ctx);

    // Assess
    expect(result.risk).toBe('low');
    expect(result.evidence[0]).toEqual({ fact: `VPC ${VPC} has no flow logs at all.`, source: 'ec2:DescribeFlowLogs' });
    expect(result.plan?.steps).toEqual([
      `ec2:CreateFlowLogs ResourceType=VPC ResourceIds=${VPC} TrafficType=REJECT LogDestinationType=s3 LogDestination=${CENTRAL_BUCKET}`,
    ]);
  });

  it("reports a VPC whose only flow log goes to another team's log group, and plans to add (not replace) the central one", async () => {
    // Prepare
    const { ctx } = simulatedAccount(account([teamFlowLog]), withCentral([CENTRAL_GROUP], ROLE));

    // Act
    const result = await vpcFlowLogs.assess(finding(), ctx);

    // Assess
    const facts = result.evidence.map((e) => e.fact).join('\n');
    expect(facts).toContain(
      `none delivering rejected traffic to a central destination (the control passes while the security team sees nothing): ` +
        `fl-0123456789abcdef0 (ALL, ACTIVE) → ${TEAM_GROUP}`,
    );
    expect(facts).toContain('the existing flow logs are kept as they are');
    expect(result.plan?.parameters).toEqual({
      vpcId: VPC,
      destination: CENTRAL_GROUP,
      destinationType: 'cloud-watch-logs',
      deliverLogsPermissionArn: ROLE,
      observed: { flowLogIds: ['fl-0123456789abcdef0'] },
    });
  });

  it('has no plan when a flow log already delivers rejected traffic to a central destination (a bucket prefix counts)', async () => {
    // Prepare
    const central = {
      ...teamFlowLog,
      flowLogId: 'fl-0fedcba9876543210',
      trafficType: 'REJECT',
      logDestinationType: 's3',
      logDestination: `${CENTRAL_BUCKET}/vpc/`,
    };
    const { ctx } = simulatedAccount(account([teamFlowLog, central]), withCentral([CENTRAL_BUCKET]));

    // Act
    const result = await vpcFlowLogs.assess(finding(), ctx);

    // Assess
    expect(result.plan).toBeUndefined();
    expect(result.blocked).toBeUndefined();
    expect(result.evidence[0].fact).toContain('already delivers to a central destination: fl-0fedcba9876543210');
  });

  it('still plans when the central flow log only records ACCEPT traffic', async () => {
    // Prepare
    const acceptOnly = { ...teamFlowLog, trafficType: 'ACCEPT', logDestinationType: 's3', logDestination: CENTRAL_BUCKET };
    const { ctx } = simulatedAccount(account([acceptOnly]), withCentral([CENTRAL_BUCKET]));

    // Act / Assess
    expect((await vpcFlowLogs.assess(finding(), ctx)).plan).toBeDefined();
  });

  it('is blocked, with no plan and the reason, when no central destination is configured', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account([teamFlowLog]));

    // Act
    const result = await vpcFlowLogs.assess(finding(), ctx);

    // Assess
    expect(result.blocked).toBe(true);
    expect(result.plan).toBeUndefined();
    expect(result.riskReason).toContain('set flowLogs.centralDestinations');
  });

  it('is blocked when the only central destination is a log group it cannot publish to', async () => {
    // Prepare
    const otherRegion = `arn:aws:logs:eu-west-1:${HOME_ACCOUNT}:log-group:secops-flow-logs`;
    const { ctx } = simulatedAccount(account(), withCentral([otherRegion, CENTRAL_GROUP]));

    // Act
    const result = await vpcFlowLogs.assess(finding(), ctx);

    // Assess
    expect(result.blocked).toBe(true);
    expect(result.riskReason).toContain(`${otherRegion} is not in ${HOME_ACCOUNT}/us-east-1`);
    expect(result.riskReason).toContain(`${CENTRAL_GROUP} needs flowLogs.deliverLogsPermissionArn`);
  });

  it('reports a VPC that no longer exists as ResourceNotFoundError', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account(), withCentral([CENTRAL_BUCKET]));

    // Act / Assess
    await expect(vpcFlowLogs.assess(finding('vpc-0000000000000dead'), ctx)).rejects.toMatchObject({ name: 'ResourceNotFoundError' });
  });
});

describe('vpc-flow-logs remediate, verify, rollback', () => {
  it("adds the central flow log next to the team's, verifies it, and rollback deletes only the one it created", async () => {
    // Prepare
    const config = withCentral([CENTRAL_GROUP], ROLE);
    const { sim, ctx } = simulatedAccount(account([teamFlowLog]), config);
    const plan = planned((await vpcFlowLogs.assess(finding(), ctx)).plan);

    // Act
    const change = await vpcFlowLogs.remediate(finding(), plan, ctx);
    const observed = await vpcFlowLogs.verify(finding(), change, ctx);
    const afterFix = flowLogsIn(sim);
    const undone = await vpcFlowLogs.rollback(finding(), change, ctx);

    // Assess
    const created = String(change.after.createdFlowLogId);
    expect(change.summary).toBe(`Created REJECT flow log ${created} on VPC ${VPC} to ${CENTRAL_GROUP}`);
    expect(afterFix).toEqual([`fl-0123456789abcdef0 ALL → ${TEAM_GROUP}`, `${created} REJECT → ${CENTRAL_GROUP}`]);
    expect(observed).toContain('1 pre-existing flow log(s) still in place');
    expect(undone.summary).toContain(`Deleted flow log ${created}`);
    expect(flowLogsIn(sim)).toEqual([`fl-0123456789abcdef0 ALL → ${TEAM_GROUP}`]);
  });

  it('adopts the flow log its earlier attempt created (a retried step): the same record, and rollback removes it', async () => {
    // Prepare: the first remediate created the flow log, but its response was lost
    const { sim, ctx } = simulatedAccount(account([teamFlowLog]), withCentral([CENTRAL_BUCKET]));
    const plan = planned((await vpcFlowLogs.assess(finding(), ctx)).plan);
    const first = await vpcFlowLogs.remediate(finding(), plan, ctx);

    // Act
    const again = await vpcFlowLogs.remediate(finding(), plan, ctx);
    const undone = await vpcFlowLogs.rollback(finding(), again, ctx);

    // Assess
    expect(again).toEqual(first);
    expect(again.summary).toMatch(/^Created REJECT flow log fl-\w+ on VPC/);
    expect(undone.summary).toContain(`Deleted flow log ${String(first.after.createdFlowLogId)}`);
    expect(flowLogsIn(sim)).toEqual([`fl-0123456789abcdef0 ALL → ${TEAM_GROUP}`]);
  });

  it('creates nothing when someone else added a central flow log after the assessment, and rollback then removes nothing', async () => {
    // Prepare: an ALL flow log to the central bucket appears between assessment and remediation: not the one hubfix creates
    const { sim, ctx } = simulatedAccount(account(), withCentral([CENTRAL_BUCKET]));
    const plan = planned((await vpcFlowLogs.assess(finding(), ctx)).plan);
    (sim.account(HOME_ACCOUNT).states.get('ec2Vpc') as { flowLogs: unknown[] }).flowLogs.push({
      flowLogId: 'fl-0fedcba987654321f',
      resourceId: VPC,
      region: 'us-east-1',
      trafficType: 'ALL',
      logDestinationType: 's3',
      logDestination: CENTRAL_BUCKET,
      creationTime: new Date(),
      tags: {},
    });

    // Act
    const again = await vpcFlowLogs.remediate(finding(), plan, ctx);
    const undone = await vpcFlowLogs.rollback(finding(), again, ctx);

    // Assess
    expect(again.summary).toBe(`VPC ${VPC} already had flow log fl-0fedcba987654321f to arn:aws:s3:::secops-central-flow-logs`);
    expect(undone.summary).toBe(`hubfix created no flow log on ${VPC}; nothing to remove`);
    expect(flowLogsIn(sim)).toEqual([`fl-0fedcba987654321f ALL → ${CENTRAL_BUCKET}`]);
  });

  it('adopts the flow log when CreateFlowLogs was applied but its response lost (the SDK resent it: FlowLogAlreadyExists)', async () => {
    // Prepare: the first delivery of CreateFlowLogs creates the flow log; the caller only sees the second one's answer
    const { sim, ctx } = simulatedAccount(account(), withCentral([CENTRAL_BUCKET]));
    const plan = planned((await vpcFlowLogs.assess(finding(), ctx)).plan);
    let deliveries = 0;
    sim.faults = (call) => {
      if (call.command !== 'CreateFlowLogs' || deliveries++ > 0) return;
      (sim.account(HOME_ACCOUNT).states.get('ec2Vpc') as { flowLogs: unknown[] }).flowLogs.push({
        flowLogId: 'fl-0aaaaaaaaaaaaaaa1',
        resourceId: VPC,
        region: 'us-east-1',
        trafficType: 'REJECT',
        logDestinationType: 's3',
        logDestination: CENTRAL_BUCKET,
        creationTime: new Date(),
        tags: {},
      });
    };

    // Act
    const change = await vpcFlowLogs.remediate(finding(), plan, ctx);

    // Assess
    expect(change.summary).toBe(`Created REJECT flow log fl-0aaaaaaaaaaaaaaa1 on VPC ${VPC} to ${CENTRAL_BUCKET}`);
    expect(change.after).toMatchObject({ createdFlowLogId: 'fl-0aaaaaaaaaaaaaaa1' });
    expect(flowLogsIn(sim)).toEqual([`fl-0aaaaaaaaaaaaaaa1 REJECT → ${CENTRAL_BUCKET}`]);
  });

  it('turns a refusal reported in Unsuccessful into a RemediationError that says nothing changed', async () => {
    // Prepare: the planned VPC disappears between assess and remediate
    const { sim, ctx } = simulatedAccount(account(), withCentral([CENTRAL_BUCKET]));
    const plan = planned((await vpcFlowLogs.assess(finding(), ctx)).plan);
    (sim.account(HOME_ACCOUNT).states.get('ec2Vpc') as { vpcs: unknown[] }).vpcs = [];

    // Act / Assess
    await expect(vpcFlowLogs.remediate(finding(), plan, ctx)).rejects.toMatchObject({
      name: 'RemediationError',
      message: expect.stringMatching(/refused \(InvalidVpcID\.NotFound: .*\); nothing was changed/),
    });
  });

  it('turns a thrown AWS error into a RemediationError', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account(), withCentral([CENTRAL_BUCKET]));
    const plan = planned((await vpcFlowLogs.assess(finding(), ctx)).plan);
    sim.faults = (call) => {
      if (call.command === 'CreateFlowLogs')
        throw new SimulatedServiceError('UnauthorizedOperation', 'not authorized to perform ec2:CreateFlowLogs');
    };

    // Act / Assess
    await expect(vpcFlowLogs.remediate(finding(), plan, ctx)).rejects.toMatchObject({
      name: 'RemediationError',
      message: expect.stringContaining('UnauthorizedOperation'),
    });
  });

  it('fails verification when the created flow log is gone on re-read', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account([teamFlowLog]), withCentral([CENTRAL_BUCKET]));
    const change = await vpcFlowLogs.remediate(finding(), planned((await vpcFlowLogs.assess(finding(), ctx)).plan), ctx);
    (sim.account(HOME_ACCOUNT).states.get('ec2Vpc') as { flowLogs: { flowLogId: string }[] }).flowLogs.splice(1, 1);

    // Act / Assess
    await expect(vpcFlowLogs.verify(finding(), change, ctx)).rejects.toMatchObject({
      name: 'VerificationFailedError',
      message: expect.stringContaining(
        `has no active flow log delivering rejected traffic to a central destination (found: fl-0123456789abcdef0`,
      ),
    });
  });
});
