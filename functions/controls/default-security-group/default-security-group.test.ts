import { defaultSecurityGroup as plugin } from './definition';
import { DEV_INSTANCE, eni, groupRules, networkFinding, networkOf, SG_DEFAULT, SG_WEB } from '../../../test/support/network';
import { simulatedAccount } from '../../../test/support/simulated-account';
import { HOME_ACCOUNT } from '../../../test/support/workflow';

/** A default group as EC2 creates it: all traffic from its own members in, all traffic out. */
const defaultGroup = (ingress: unknown[] = [{ protocol: '-1', referencedGroupId: SG_DEFAULT }]) => ({
  groupId: SG_DEFAULT,
  groupName: 'default',
  ingress,
});
const account = (network: Record<string, unknown>, instances: unknown[] = []) => ({ [HOME_ACCOUNT]: { ec2Network: network, instances } });
const finding = networkFinding('EC2.2', SG_DEFAULT);

describe('default-security-group assess', () => {
  it('rates an unused default group as low risk and plans to revoke its ingress and egress rules', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account({ securityGroups: [defaultGroup()] }));

    // Act
    const result = await plugin.assess(finding, ctx);

    // Assess
    expect(result.risk).toBe('low');
    expect(result.plan?.steps).toEqual([
      expect.stringMatching(/^ec2:RevokeSecurityGroupIngress GroupId=sg-0d0000000000d0001 /),
      expect.stringMatching(/^ec2:RevokeSecurityGroupEgress /),
    ]);
    expect(result.evidence).toContainEqual({
      fact: expect.stringContaining(`all traffic from group ${SG_DEFAULT}`),
      source: 'ec2:DescribeSecurityGroupRules',
    });
  });

  it('rates a default group that any interface still uses as high risk, listing the interfaces', async () => {
    // Prepare
    const { ctx } = simulatedAccount(
      account(
        {
          securityGroups: [
            defaultGroup(),
            {
              groupId: SG_WEB,
              groupName: 'web',
              egress: [{ protocol: 'tcp', fromPort: 5432, toPort: 5432, referencedGroupId: SG_DEFAULT }],
            },
          ],
          networkInterfaces: [
            eni('eni-0000000000000d001', [SG_DEFAULT], { instanceId: DEV_INSTANCE }),
            eni('eni-0000000000000d002', [SG_DEFAULT], { interfaceType: 'lambda', description: 'AWS Lambda VPC ENI-report' }),
          ],
        },
        [{ instanceId: DEV_INSTANCE, tags: { team: 'data' } }],
      ),
    );

    // Act
    const result = await plugin.assess(finding, ctx);

    // Assess
    expect(result.risk).toBe('high');
    expect(result.riskReason).toContain('2 network interface(s) still use it: eni-0000000000000d001, eni-0000000000000d002');
    expect(result.evidence).toEqual(
      expect.arrayContaining([
        {
          fact: expect.stringContaining(`Instance ${DEV_INSTANCE} (running)`),
          source: 'ec2:DescribeInstances',
          where: 'account 111111111111, us-east-1',
          window: 'current configuration at assessment time',
        },
        {
          fact: expect.stringContaining('Lambda function interface eni-0000000000000d002 (lambda, AWS Lambda VPC ENI-report)'),
          source: 'ec2:DescribeNetworkInterfaces',
          where: 'account 111111111111, us-east-1',
          window: 'current configuration at assessment time',
        },
        {
          fact: expect.stringContaining(`${SG_WEB} (web) reference ${SG_DEFAULT}`),
          source: 'ec2:DescribeSecurityGroups',
          where: 'account 111111111111, us-east-1',
          window: 'current configuration at assessment time',
        },
      ]),
    );
  });

  it('has nothing to do for a default group without rules', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account({ securityGroups: [{ ...defaultGroup([]), egress: [] }] }));

    // Act
    const result = await plugin.assess(finding, ctx);

    // Assess
    expect(result.plan).toBeUndefined();
  });
});

describe('default-security-group remediate, verify, rollback', () => {
  it('revokes every rule, verifies the group is empty, and rollback restores the exact rules', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(
      account({
        securityGroups: [
          defaultGroup([
            { protocol: '-1', referencedGroupId: SG_DEFAULT, description: 'members' },
            { protocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv4: '10.0.0.0/8' },
          ]),
        ],
      }),
    );
    const before = groupRules(sim, SG_DEFAULT);
    const { plan } = await plugin.assess(finding, ctx);

    // Act
    const change = await plugin.remediate(finding, plan!, ctx);
    const observed = await plugin.verify(finding, change, ctx);
    const emptied = groupRules(sim, SG_DEFAULT);
    await plugin.rollback(finding, change, ctx);

    // Assess
    expect(emptied).toEqual({ ingress: [], egress: [] });
    expect(observed).toBe(`Default security group ${SG_DEFAULT} has no ingress or egress permissions`);
    expect(groupRules(sim, SG_DEFAULT)).toEqual(before);
    expect(networkOf(sim).groups[0].ingress[0]).toMatchObject({ referencedGroupId: SG_DEFAULT, description: 'members' });
  });

  it('fails verification when a rule appears after the plan was approved, and leaves that rule for a person', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account({ securityGroups: [defaultGroup()] }));
    const { plan } = await plugin.assess(finding, ctx);
    networkOf(sim).groups[0].ingress.push({
      ruleId: 'sgr-0000000000000d0ff',
      protocol: 'tcp',
      fromPort: 22,
      toPort: 22,
      cidrIpv4: '10.0.0.0/8',
    });

    // Act
    const change = await plugin.remediate(finding, plan!, ctx);

    // Assess
    await expect(plugin.verify(finding, change, ctx)).rejects.toMatchObject({
      name: 'VerificationFailedError',
      message: `Default security group ${SG_DEFAULT} still has 1 permission(s)`,
    });
    expect(groupRules(sim, SG_DEFAULT).ingress).toEqual(['tcp 22 10.0.0.0/8']);
  });

  it('counts a rule that someone already re-added as restored instead of failing the rollback', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account({ securityGroups: [defaultGroup()] }));
    const change = await plugin.remediate(finding, (await plugin.assess(finding, ctx)).plan!, ctx);
    networkOf(sim).groups[0].egress.push({ ruleId: 'sgr-0000000000000d0fe', protocol: '-1', cidrIpv4: '0.0.0.0/0' });

    // Act
    const rollback = await plugin.rollback(finding, change, ctx);

    // Assess
    expect(rollback.summary).toBe(`The 2 rule(s) hubfix revoked from ${SG_DEFAULT} are authorized again`);
    expect(groupRules(sim, SG_DEFAULT)).toEqual({ ingress: [`-1 sg:${SG_DEFAULT}`], egress: ['-1 0.0.0.0/0'] });
  });
});
