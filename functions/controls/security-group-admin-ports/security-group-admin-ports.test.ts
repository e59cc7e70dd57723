import {
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
  type RevokeSecurityGroupIngressCommandInput,
} from '@aws-sdk/client-ec2';
import { securityGroupAdminPorts as plugin } from './definition';
import { SimulatedServiceError } from '../../../sandbox/simulated-aws';
import { DEV_INSTANCE, eni, groupRules, networkFinding, networkOf, PROD_INSTANCE, SG_BASTION, SG_WEB } from '../../../test/support/network';
import { simulatedAccount } from '../../../test/support/simulated-account';
import { HOME_ACCOUNT } from '../../../test/support/workflow';

const ssh = {
  ruleId: 'sgr-0000000000000a001',
  protocol: 'tcp',
  fromPort: 22,
  toPort: 22,
  cidrIpv4: '0.0.0.0/0',
  description: 'ssh from anywhere',
};
const sshV6 = { ruleId: 'sgr-0000000000000a002', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv6: '::/0' };
const office = {
  ruleId: 'sgr-0000000000000a003',
  protocol: 'tcp',
  fromPort: 22,
  toPort: 22,
  cidrIpv4: '203.0.113.0/24',
  description: 'office',
};
const https = { ruleId: 'sgr-0000000000000a004', protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' };
const allTraffic = { ruleId: 'sgr-0000000000000a005', protocol: '-1', cidrIpv4: '0.0.0.0/0', description: 'everything' };

const account = (network: Record<string, unknown>, instances: unknown[] = []) => ({ [HOME_ACCOUNT]: { ec2Network: network, instances } });
const bastion = (ingress: unknown[]) => ({ groupId: SG_BASTION, groupName: 'bastion', ingress });

describe('security-group-admin-ports assess', () => {
  it('rates an unused group as low risk and plans to revoke only the world-open SSH rules the control covers', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account({ securityGroups: [bastion([ssh, sshV6, office, https])] }));

    // Act
    const result = await plugin.assess(networkFinding('EC2.53', SG_BASTION), ctx);

    // Assess: EC2.53 is IPv4 only; the office and HTTPS rules are not its business
    expect(result.risk).toBe('low');
    expect(result.plan?.parameters).toEqual({
      groupId: SG_BASTION,
      ruleIds: ['sgr-0000000000000a001'],
      observed: {
        rules: [
          expect.objectContaining({
            SecurityGroupRuleId: 'sgr-0000000000000a001',
            IpProtocol: 'tcp',
            FromPort: 22,
            ToPort: 22,
            CidrIpv4: '0.0.0.0/0',
          }),
        ],
      },
    });
    expect(result.evidence).toContainEqual({
      fact: expect.stringContaining('No network interface of any type uses security group'),
      source: 'ec2:DescribeNetworkInterfaces',
      where: 'account 111111111111, us-east-1',
      window: 'current configuration at assessment time',
    });
  });

  it.each([
    ['EC2.13', ['sgr-0000000000000a001', 'sgr-0000000000000a002']],
    ['EC2.54', ['sgr-0000000000000a002']],
    ['EC2.14', undefined],
  ])('selects the rules %s covers', async (controlId, ruleIds) => {
    // Prepare
    const { ctx } = simulatedAccount(account({ securityGroups: [bastion([ssh, sshV6, office])] }));

    // Act
    const result = await plugin.assess(networkFinding(controlId, SG_BASTION), ctx);

    // Assess
    expect(result.plan?.parameters.ruleIds).toEqual(ruleIds);
  });

  it('rates a group used by a running production instance and a load balancer as high risk, naming both', async () => {
    // Prepare
    const { ctx } = simulatedAccount(
      account(
        {
          securityGroups: [
            bastion([ssh]),
            { groupId: SG_WEB, groupName: 'web', ingress: [{ protocol: 'tcp', fromPort: 22, toPort: 22, referencedGroupId: SG_BASTION }] },
          ],
          networkInterfaces: [
            eni('eni-0000000000000a001', [SG_BASTION], { instanceId: PROD_INSTANCE }),
            eni('eni-0000000000000a002', [SG_BASTION], { description: 'ELB app/shop-alb/50dc6c495c0c9188' }),
          ],
        },
        [{ instanceId: PROD_INSTANCE, state: 'running', tags: { environment: 'production' } }],
      ),
    );

    // Act
    const result = await plugin.assess(networkFinding('EC2.13', SG_BASTION), ctx);

    // Assess
    expect(result.risk).toBe('high');
    expect(result.riskReason).toMatch(
      /running production instance i-0aaaaaaaaaaaaaaa1 \(environment=production\).*load balancer ELB app\/shop-alb/,
    );
    expect(result.evidence).toEqual(
      expect.arrayContaining([
        {
          fact: expect.stringMatching(/Instance i-0aaaaaaaaaaaaaaa1 \(running\), tagged environment=production/),
          source: 'ec2:DescribeInstances',
          where: 'account 111111111111, us-east-1',
          window: 'current configuration at assessment time',
        },
        {
          fact: expect.stringContaining('load balancer interface eni-0000000000000a002'),
          source: 'ec2:DescribeNetworkInterfaces',
          where: 'account 111111111111, us-east-1',
          window: 'current configuration at assessment time',
        },
        {
          fact: expect.stringContaining(`${SG_WEB} (web) reference ${SG_BASTION}`),
          source: 'ec2:DescribeSecurityGroups',
          where: 'account 111111111111, us-east-1',
          window: 'current configuration at assessment time',
        },
      ]),
    );
  });

  it('treats a stopped production instance or a running development one as low risk', async () => {
    // Prepare
    const { ctx } = simulatedAccount(
      account(
        {
          securityGroups: [bastion([ssh])],
          networkInterfaces: [
            eni('eni-0000000000000a001', [SG_BASTION], { instanceId: PROD_INSTANCE }),
            eni('eni-0000000000000a003', [SG_BASTION], { instanceId: DEV_INSTANCE }),
          ],
        },
        [
          { instanceId: PROD_INSTANCE, state: 'stopped', tags: { environment: 'production' } },
          { instanceId: DEV_INSTANCE, state: 'running', tags: { environment: 'dev' } },
        ],
      ),
    );

    // Act
    const result = await plugin.assess(networkFinding('EC2.13', SG_BASTION), ctx);

    // Assess
    expect(result.risk).toBe('low');
    expect(result.evidence.filter((e) => e.source === 'ec2:DescribeInstances')).toHaveLength(2);
  });

  it('rates an all-traffic rule of an in-use group as high risk: revoking it closes every port', async () => {
    // Prepare
    const { ctx } = simulatedAccount(
      account(
        {
          securityGroups: [bastion([allTraffic])],
          networkInterfaces: [eni('eni-0000000000000a003', [SG_BASTION], { instanceId: DEV_INSTANCE })],
        },
        [{ instanceId: DEV_INSTANCE }],
      ),
    );

    // Act
    const result = await plugin.assess(networkFinding('EC2.53', SG_BASTION), ctx);

    // Assess
    expect(result.risk).toBe('high');
    expect(result.riskReason).toContain('rule sgr-0000000000000a005 also opens non-admin ports');
    expect(result.plan?.summary).toContain('all traffic from 0.0.0.0/0 ("everything")');
  });

  it('reports a group that passes as compliant, with no plan', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account({ securityGroups: [bastion([office, https])] }));

    // Act
    const result = await plugin.assess(networkFinding('EC2.53', SG_BASTION), ctx);

    // Assess
    expect(result.plan).toBeUndefined();
  });

  it('says the group is gone when EC2 answers InvalidGroup.NotFound', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account({}));

    // Act / Assess
    await expect(plugin.assess(networkFinding('EC2.13', SG_BASTION), ctx)).rejects.toMatchObject({ name: 'ResourceNotFoundError' });
  });
});

describe('security-group-admin-ports remediate, verify, rollback', () => {
  it('revokes only the offending rule, verifies, and rollback re-authorizes it with its description', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account({ securityGroups: [bastion([ssh, office, allTraffic])] }));
    const finding = networkFinding('EC2.13', SG_BASTION);
    const { plan } = await plugin.assess(finding, ctx);

    // Act
    const change = await plugin.remediate(finding, plan!, ctx);
    const observed = await plugin.verify(finding, change, ctx);
    const afterRemediation = groupRules(sim, SG_BASTION);
    const rollback = await plugin.rollback(finding, change, ctx);

    // Assess: the all-traffic rule covers 22 as well, so EC2.13 revokes both; the office rule stays
    expect(afterRemediation.ingress).toEqual(['tcp 22 203.0.113.0/24']);
    expect(afterRemediation.egress).toEqual(['-1 0.0.0.0/0']);
    expect(observed).toContain(SG_BASTION);
    expect(change.before.revoked).toHaveLength(2);
    expect(rollback.summary).toBe(`The 2 rule(s) hubfix revoked from ${SG_BASTION} are authorized again`);
    expect(groupRules(sim, SG_BASTION).ingress.sort()).toEqual(['-1 0.0.0.0/0', 'tcp 22 0.0.0.0/0', 'tcp 22 203.0.113.0/24']);
    const ec2 = ctx.clients.at(EC2Client, { accountId: HOME_ACCOUNT, region: 'us-east-1' });
    const group = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [SG_BASTION] }))).SecurityGroups?.[0];
    expect(group?.IpPermissions).toContainEqual(
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 22,
        IpRanges: expect.arrayContaining([{ CidrIp: '0.0.0.0/0', Description: 'ssh from anywhere' }]),
      }),
    );
  });

  it('fails verification when the port is open to the world again', async () => {
    // Prepare: someone re-adds the rule right after hubfix revokes it
    const { sim, ctx } = simulatedAccount(account({ securityGroups: [bastion([ssh])] }));
    const finding = networkFinding('EC2.13', SG_BASTION);
    const change = await plugin.remediate(finding, (await plugin.assess(finding, ctx)).plan!, ctx);
    networkOf(sim).groups[0].ingress.push({
      ruleId: 'sgr-0000000000000beef',
      protocol: 'tcp',
      fromPort: 0,
      toPort: 1000,
      cidrIpv4: '0.0.0.0/0',
    });

    // Act / Assess
    await expect(plugin.verify(finding, change, ctx)).rejects.toMatchObject({
      name: 'VerificationFailedError',
      message: expect.stringContaining('tcp 0-1000 from 0.0.0.0/0'),
    });
  });

  it('records a planned rule that is already gone as revoked by this change, so Undo can restore what was approved', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account({ securityGroups: [bastion([ssh, office])] }));
    const finding = networkFinding('EC2.13', SG_BASTION);
    const { plan } = await plugin.assess(finding, ctx);
    networkOf(sim).groups[0].ingress = networkOf(sim).groups[0].ingress.filter((r) => r.ruleId !== ssh.ruleId);

    // Act: a retry cannot tell an earlier attempt of its own from someone else revoking the rule (types.ts, rule 2)
    const change = await plugin.remediate(finding, plan!, ctx);

    // Assess
    expect(change.summary).toBe(`Revoked ingress rule sgr-0000000000000a001: tcp 22 from 0.0.0.0/0 ("ssh from anywhere") of ${SG_BASTION}`);
    expect(change.before.revoked).toEqual([
      {
        securityGroupRuleId: ssh.ruleId,
        isEgress: false,
        permission: expect.objectContaining({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22 }),
      },
    ]);
    expect(groupRules(sim, SG_BASTION).ingress).toEqual(['tcp 22 203.0.113.0/24']);
  });

  it('turns a refused revoke into a RemediationError that says nothing was changed', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account({ securityGroups: [bastion([ssh])] }));
    const finding = networkFinding('EC2.13', SG_BASTION);
    const { plan } = await plugin.assess(finding, ctx);
    sim.faults = (call) => {
      if (call.command === 'RevokeSecurityGroupIngress')
        throw new SimulatedServiceError('UnauthorizedOperation', 'You are not authorized to perform this operation.');
    };

    // Act / Assess
    await expect(plugin.remediate(finding, plan!, ctx)).rejects.toMatchObject({
      name: 'RemediationError',
      message: expect.stringMatching(/UnauthorizedOperation.*nothing was changed/),
    });
  });
});

describe('simulated security groups', () => {
  it('answers EC2 errors by their EC2 names', async () => {
    // Prepare
    const { clients } = simulatedAccount(account({ securityGroups: [bastion([ssh])] }));
    const ec2 = clients.at(EC2Client, { accountId: HOME_ACCOUNT, region: 'us-east-1' });
    const revoke = (input: RevokeSecurityGroupIngressCommandInput) => ec2.send(new RevokeSecurityGroupIngressCommand(input));

    // Act / Assess
    await expect(revoke({ GroupId: 'sg-0ffffffffffffffff', SecurityGroupRuleIds: [ssh.ruleId] })).rejects.toMatchObject({
      name: 'InvalidGroup.NotFound',
    });
    await expect(
      revoke({
        GroupId: SG_BASTION,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 3389, ToPort: 3389, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    ).rejects.toMatchObject({
      name: 'InvalidPermission.NotFound',
    });
    await expect(
      revoke({ GroupId: SG_BASTION, IpPermissions: [{ IpProtocol: '6', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }),
    ).resolves.toMatchObject({ Return: true });
  });
});
