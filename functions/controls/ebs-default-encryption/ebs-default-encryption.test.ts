import { ebsDefaultEncryption } from './definition';
import { SimulatedServiceError } from '../../../sandbox/simulated-aws';
import { accountResource, findingRef } from '../../../test/support/finding-ref';
import { simulatedAccount } from '../../../test/support/simulated-account';
import { HOME_ACCOUNT } from '../../../test/support/workflow';

const finding = (region = 'us-east-1') => findingRef('EC2.7', accountResource(), { region });

const account = (ebsByRegion: Record<string, unknown> = {}) => ({ [HOME_ACCOUNT]: { ec2Vpc: { ebsByRegion } } });
const ebsSnapshot = (sim: ReturnType<typeof simulatedAccount>['sim']) => sim.snapshot()[HOME_ACCOUNT].ec2Vpc as Record<string, unknown>;

describe('ebs-default-encryption assess', () => {
  it('plans to turn the default on, low risk, and says only new volumes are affected', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account());

    // Act
    const result = await ebsDefaultEncryption.assess(finding(), ctx);

    // Assess
    expect(result.risk).toBe('low');
    expect(result.plan?.steps).toEqual(['ec2:EnableEbsEncryptionByDefault (region us-east-1)']);
    const facts = result.evidence.map((e) => `${e.source}: ${e.fact}`).join('\n');
    expect(facts).toContain('ec2:GetEbsEncryptionByDefault: EBS encryption by default is off');
    expect(facts).toContain('only to volumes created after it is turned on');
    expect(facts).toContain('ec2:GetEbsDefaultKmsKeyId: New volumes will be encrypted with alias/aws/ebs (AWS managed');
  });

  it('names a customer key when the region uses one, without the sharing caveat', async () => {
    // Prepare
    const keyArn = 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const { ctx } = simulatedAccount(account({ 'us-east-1': { defaultKmsKeyId: keyArn } }));

    // Act
    const result = await ebsDefaultEncryption.assess(finding(), ctx);

    // Assess
    expect(result.evidence.map((e) => e.fact)).toContain(`New volumes will be encrypted with ${keyArn}.`);
  });

  it('has no plan when the default is already on in the region', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account({ 'eu-west-1': { encryptionByDefault: true } }));

    // Act
    const result = await ebsDefaultEncryption.assess(finding('eu-west-1'), ctx);

    // Assess
    expect(result.plan).toBeUndefined();
    expect(result.riskReason).toContain('already on');
  });
});

describe('ebs-default-encryption remediate, verify, rollback', () => {
  it('turns the default on in the finding region only, verifies it, and rolls it back', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account());
    const plan = (await ebsDefaultEncryption.assess(finding(), ctx)).plan;
    if (!plan) throw new Error('expected a plan');

    // Act
    const change = await ebsDefaultEncryption.remediate(finding(), plan, ctx);
    const observed = await ebsDefaultEncryption.verify(finding(), change, ctx);
    const afterFix = { ...ebsSnapshot(sim) };
    const undone = await ebsDefaultEncryption.rollback(finding(), change, ctx);

    // Assess
    expect(change).toMatchObject({ before: { region: 'us-east-1', encryptionByDefault: false }, after: { encryptionByDefault: true } });
    expect(observed).toBe('EC2 reports EBS encryption by default on in us-east-1');
    expect(afterFix).toMatchObject({ 'ebs-encryption-by-default/us-east-1': true });
    expect(afterFix).not.toHaveProperty('ebs-encryption-by-default/eu-west-1');
    expect(undone.summary).toBe('Turned EBS encryption by default off in us-east-1');
    expect(ebsSnapshot(sim)).toMatchObject({ 'ebs-encryption-by-default/us-east-1': false });
  });

  it('fails verification when the re-read finds the default off (someone turned it off again)', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account());
    const change = await ebsDefaultEncryption.remediate(finding(), { summary: '', steps: [], reversible: true, parameters: {} }, ctx);
    sim.faults = (call) => {
      if (call.command === 'GetEbsEncryptionByDefault')
        (sim.account(HOME_ACCOUNT).states.get('ec2Vpc') as { ebs: Map<string, { encryptionByDefault: boolean }> }).ebs.get(
          'us-east-1',
        )!.encryptionByDefault = false;
    };

    // Act / Assess
    await expect(ebsDefaultEncryption.verify(finding(), change, ctx)).rejects.toMatchObject({
      name: 'VerificationFailedError',
      message: 'EBS encryption by default is still off in us-east-1',
    });
  });

  it('reports a refused change as a RemediationError that says nothing changed', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account());
    sim.faults = (call) => {
      if (call.command === 'EnableEbsEncryptionByDefault')
        throw new SimulatedServiceError('UnauthorizedOperation', 'You are not authorized');
    };

    // Act / Assess
    await expect(
      ebsDefaultEncryption.remediate(finding(), { summary: '', steps: [], reversible: true, parameters: {} }, ctx),
    ).rejects.toMatchObject({
      name: 'RemediationError',
      message: expect.stringContaining('nothing was changed'),
    });
  });

  it('rolls back nothing when the default was already on before', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account({ 'us-east-1': { encryptionByDefault: true } }));
    const change = await ebsDefaultEncryption.remediate(finding(), { summary: '', steps: [], reversible: true, parameters: {} }, ctx);

    // Act
    const undone = await ebsDefaultEncryption.rollback(finding(), change, ctx);

    // Assess
    expect(undone.summary).toBe('EBS encryption by default was already on in us-east-1');
    expect(sim.calls.filter((c) => c.command.startsWith('Disable'))).toHaveLength(0);
  });
});
