import { EC2Client, ReplaceNetworkAclEntryCommand } from '@aws-sdk/client-ec2';
import { networkAclAdminPorts as plugin } from './definition';
import { SimulatedServiceError } from '../../../sandbox/simulated-aws';
import { ACL, aclEntries, eni, networkFinding, networkOf, PROD_INSTANCE } from '../../../test/support/network';
import { simulatedAccount } from '../../../test/support/simulated-account';
import { HOME_ACCOUNT } from '../../../test/support/workflow';

const SUBNET = 'subnet-0a0000000000a0001';
const sshIn = { ruleNumber: 100, protocol: '6', ruleAction: 'allow', portRange: { from: 22, to: 22 }, cidrBlock: '0.0.0.0/0' };
const rdpIn = { ruleNumber: 110, protocol: '6', ruleAction: 'allow', portRange: { from: 3389, to: 3389 }, cidrBlock: '0.0.0.0/0' };
const httpsIn = { ruleNumber: 120, protocol: '6', ruleAction: 'allow', portRange: { from: 443, to: 443 }, cidrBlock: '0.0.0.0/0' };
const allIn = { ruleNumber: 100, protocol: '-1', ruleAction: 'allow', cidrBlock: '0.0.0.0/0' };

const account = (entries: unknown[], extra: Record<string, unknown> = {}, instances: unknown[] = []) => ({
  [HOME_ACCOUNT]: { ec2Network: { networkAcls: [{ networkAclId: ACL, subnetIds: [SUBNET], entries }], ...extra }, instances },
});
const finding = networkFinding('EC2.21', ACL);

describe('network-acl-admin-ports assess', () => {
  it('rates an ACL whose subnet holds nothing as low risk and plans to turn the SSH and RDP allows into denies', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account([sshIn, rdpIn, httpsIn]));

    // Act
    const result = await plugin.assess(finding, ctx);

    // Assess
    expect(result.risk).toBe('low');
    expect(result.plan?.steps).toEqual([
      `ec2:ReplaceNetworkAclEntry NetworkAclId=${ACL} RuleNumber=100 Protocol=6 RuleAction=deny PortRange=22-22 CidrBlock=0.0.0.0/0`,
      `ec2:ReplaceNetworkAclEntry NetworkAclId=${ACL} RuleNumber=110 Protocol=6 RuleAction=deny PortRange=3389-3389 CidrBlock=0.0.0.0/0`,
    ]);
    expect(result.evidence).toContainEqual({
      fact: `${ACL} is associated with ${SUBNET}.`,
      source: 'ec2:DescribeNetworkAcls',
      where: 'account 111111111111, us-east-1',
      window: 'current configuration at assessment time',
    });
  });

  it('rates an ACL in front of a running production instance as high risk, naming it', async () => {
    // Prepare
    const { ctx } = simulatedAccount(
      account(
        [sshIn],
        { networkInterfaces: [eni('eni-0000000000000c001', ['sg-0c0000000000c0001'], { subnetId: SUBNET, instanceId: PROD_INSTANCE })] },
        [{ instanceId: PROD_INSTANCE, tags: { Stage: 'prod' } }],
      ),
    );

    // Act
    const result = await plugin.assess(finding, ctx);

    // Assess
    expect(result.risk).toBe('high');
    expect(result.riskReason).toContain(`running production instance ${PROD_INSTANCE} (Stage=prod) uses subnet(s) ${SUBNET}`);
    expect(result.evidence).toContainEqual(
      expect.objectContaining({
        fact: expect.stringContaining(`Instance ${PROD_INSTANCE} (running), tagged Stage=prod`),
        source: 'ec2:DescribeInstances',
      }),
    );
  });

  it('blocks an allow-all entry instead of replacing it: a deny would cut the whole subnet', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account([allIn]));

    // Act
    const result = await plugin.assess(finding, ctx);

    // Assess
    expect(result.blocked).toBe(true);
    expect(result.plan).toBeUndefined();
    expect(result.riskReason).toMatch(/inbound entry 100 \(allow all traffic from 0.0.0.0\/0\) also lets in other traffic.*Split it/);
  });

  it('ignores denies, egress entries and restricted sources', async () => {
    // Prepare
    const { ctx } = simulatedAccount(
      account([
        { ...sshIn, ruleAction: 'deny' },
        { ...rdpIn, egress: true },
        { ...sshIn, ruleNumber: 130, cidrBlock: '10.0.0.0/8' },
      ]),
    );

    // Act
    const result = await plugin.assess(finding, ctx);

    // Assess
    expect(result.plan).toBeUndefined();
    expect(result.blocked).toBeUndefined();
  });
});

describe('network-acl-admin-ports remediate, verify, rollback', () => {
  it('replaces only the admin-port entries with denies, verifies, and rollback restores them exactly', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account([sshIn, { ...rdpIn, cidrBlock: undefined, ipv6CidrBlock: '::/0' }, httpsIn]));
    const before = aclEntries(sim, ACL);
    const { plan } = await plugin.assess(finding, ctx);

    // Act
    const change = await plugin.remediate(finding, plan!, ctx);
    const observed = await plugin.verify(finding, change, ctx);
    const remediated = aclEntries(sim, ACL);
    await plugin.rollback(finding, change, ctx);

    // Assess
    expect(remediated).toEqual(['100 deny 6 22-22 0.0.0.0/0', '110 deny 6 3389-3389 ::/0', '120 allow 6 443-443 0.0.0.0/0']);
    expect(observed).toContain(ACL);
    expect(aclEntries(sim, ACL)).toEqual(before);
  });

  it('completes a half-done replacement on a retry with the record of a clean run, so rollback restores both entries', async () => {
    // Prepare: the SSH entry is replaced, the RDP one is throttled: the step fails half done and is retried
    const { sim, ctx } = simulatedAccount(account([sshIn, rdpIn]));
    const before = aclEntries(sim, ACL);
    const { plan } = await plugin.assess(finding, ctx);
    let replaces = 0;
    sim.faults = (call) => {
      if (call.command === 'ReplaceNetworkAclEntry' && ++replaces > 1)
        throw new SimulatedServiceError('RequestLimitExceeded', 'Request limit exceeded.', { throttling: true });
    };
    await expect(plugin.remediate(finding, plan!, ctx)).rejects.toThrow(/entries 100 were already replaced/);
    sim.faults = undefined;

    // Act
    const change = await plugin.remediate(finding, plan!, ctx);
    await plugin.rollback(finding, change, ctx);

    // Assess
    expect(change.summary).toBe(
      `Replaced inbound entry 100 (allow tcp 22 from 0.0.0.0/0); inbound entry 110 (allow tcp 3389 from 0.0.0.0/0) of ${ACL} with a deny`,
    );
    expect((change.before.entries as unknown[]).length).toBe(2);
    expect(aclEntries(sim, ACL)).toEqual(before);
  });

  it('fails verification when an admin port is allowed from the internet again', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account([sshIn]));
    const change = await plugin.remediate(finding, (await plugin.assess(finding, ctx)).plan!, ctx);
    networkOf(sim).acls[0].entries.push({
      ruleNumber: 200,
      protocol: '17',
      ruleAction: 'allow',
      egress: false,
      cidrBlock: '0.0.0.0/0',
      portRange: { from: 3389, to: 3389 },
    });

    // Act / Assess
    await expect(plugin.verify(finding, change, ctx)).rejects.toMatchObject({
      name: 'VerificationFailedError',
      message: expect.stringContaining('inbound entry 200 (allow udp 3389 from 0.0.0.0/0)'),
    });
  });

  it('leaves an entry edited since the assessment alone', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account([sshIn]));
    const { plan } = await plugin.assess(finding, ctx);
    networkOf(sim).acls[0].entries[0].cidrBlock = '198.51.100.0/24';

    // Act
    const change = await plugin.remediate(finding, plan!, ctx);

    // Assess
    expect(change.summary).toBe(`The planned entries of ${ACL} had already changed`);
    expect(aclEntries(sim, ACL)).toEqual(['100 allow 6 22-22 198.51.100.0/24']);
  });

  it('answers a replace of a missing entry with InvalidNetworkAclEntry.NotFound', async () => {
    // Prepare
    const { clients } = simulatedAccount(account([sshIn]));
    const ec2 = clients.at(EC2Client, { accountId: HOME_ACCOUNT, region: 'us-east-1' });

    // Act / Assess
    await expect(
      ec2.send(
        new ReplaceNetworkAclEntryCommand({
          NetworkAclId: ACL,
          RuleNumber: 999,
          Protocol: '6',
          RuleAction: 'deny',
          Egress: false,
          CidrBlock: '0.0.0.0/0',
          PortRange: { From: 22, To: 22 },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidNetworkAclEntry.NotFound' });
  });
});
