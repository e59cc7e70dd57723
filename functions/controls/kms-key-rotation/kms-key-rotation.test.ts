import { EnableKeyRotationCommand, KMSClient } from '@aws-sdk/client-kms';
import { assessFinding } from '../../workflow/routing';
import { kmsKeyRotation } from './definition';
import { SimulatedServiceError } from '../../../sandbox/simulated-aws';
import { findingRef } from '../../../test/support/finding-ref';
import { planned } from '../../../test/support/plan';
import { simulatedAccount } from '../../../test/support/simulated-account';
import { HOME_ACCOUNT } from '../../../test/support/workflow';

const KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';
const arnOf = (keyId: string) => `arn:aws:kms:us-east-1:${HOME_ACCOUNT}:key/${keyId}`;

const finding = (keyId = KEY) => findingRef('KMS.4', { type: 'AwsKmsKey', id: arnOf(keyId) });

const account = (key: Record<string, unknown> = {}) => ({
  [HOME_ACCOUNT]: { kms: { keys: [{ keyId: KEY, aliases: ['alias/orders'], ...key }] } },
});
const rotationOf = (sim: ReturnType<typeof simulatedAccount>['sim']) =>
  (sim.snapshot()[HOME_ACCOUNT].kms as Record<string, string>)[`key/${KEY}`];

describe('kms-key-rotation assess', () => {
  it('plans yearly rotation of a customer managed symmetric key, low risk, saying no caller changes', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account());

    // Act
    const result = await kmsKeyRotation.assess(finding(), ctx);

    // Assess
    expect(result.risk).toBe('low');
    expect(result.plan?.steps).toEqual([`kms:EnableKeyRotation KeyId=${arnOf(KEY)} (rotation every 365 days)`]);
    const facts = result.evidence.map((e) => `${e.source}: ${e.fact}`);
    expect(facts).toContain(`kms:DescribeKey: Key ${KEY} is customer managed, SYMMETRIC_DEFAULT, origin AWS_KMS, Enabled.`);
    expect(facts).toContain(`kms:GetKeyRotationStatus: Automatic rotation of ${KEY} is off.`);
    expect(facts.join('\n')).toContain('data encrypted before still decrypts');
  });

  it('has no plan when rotation is already on (compliant)', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account({ rotationEnabled: true }));

    // Act
    const result = await kmsKeyRotation.assess(finding(), ctx);

    // Assess
    expect(result.plan).toBeUndefined();
    expect(result.notApplicable).toBeUndefined();
  });

  it.each([
    [{ keySpec: 'RSA_2048' }, 'an asymmetric key (RSA_2048)'],
    [{ keySpec: 'HMAC_256' }, 'an HMAC key (HMAC_256)'],
    [{ origin: 'EXTERNAL' }, 'its key material is imported'],
    [{ keyManager: 'AWS' }, 'AWS managed key'],
    [{ keyState: 'PendingDeletion' }, 'scheduled for deletion'],
  ])('skips a key that cannot rotate (%o) as not applicable, with the reason, without asking KMS to rotate it', async (key, reason) => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account(key));

    // Act
    const result = await kmsKeyRotation.assess(finding(), ctx);

    // Assess
    expect(result.notApplicable).toBe(true);
    expect(result.plan).toBeUndefined();
    expect(result.riskReason).toContain(reason);
    expect(sim.calls.map((c) => c.command)).toEqual(['DescribeKey']);
  });

  it('routes a key that cannot rotate to the not-applicable skip, never "compliant"', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account({ keySpec: 'ECC_NIST_P256' }));

    // Act
    const assessment = await assessFinding(
      { finding: finding(), action: 'remediate', trigger: 'custom-action', receivedAt: '2026-11-22T00:00:00Z' },
      ctx,
    );

    // Assess
    expect(assessment).toMatchObject({ route: 'skip', skip: 'not-applicable' });
    expect(assessment.routeReason).toContain('KMS.4 cannot be remediated on this resource: Key');
  });

  it('is blocked (a person must enable the key first) when the key is disabled', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account({ keyState: 'Disabled' }));

    // Act
    const result = await kmsKeyRotation.assess(finding(), ctx);

    // Assess
    expect(result).toMatchObject({ blocked: true, riskReason: expect.stringContaining('is disabled') });
    expect(result.plan).toBeUndefined();
  });

  it('reports a deleted key as ResourceNotFoundError', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account());

    // Act / Assess
    await expect(kmsKeyRotation.assess(finding('99999999-0000-0000-0000-000000000000'), ctx)).rejects.toMatchObject({
      name: 'ResourceNotFoundError',
    });
  });
});

describe('kms-key-rotation remediate, verify, rollback', () => {
  it('turns rotation on, verifies it on re-read, and rollback turns it off again', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account());
    const plan = planned((await kmsKeyRotation.assess(finding(), ctx)).plan);

    // Act
    const change = await kmsKeyRotation.remediate(finding(), plan, ctx);
    const observed = await kmsKeyRotation.verify(finding(), change, ctx);
    const afterFix = rotationOf(sim);
    const undone = await kmsKeyRotation.rollback(finding(), change, ctx);

    // Assess
    expect(change).toMatchObject({ before: { keyArn: arnOf(KEY), rotationEnabled: false }, after: { rotationEnabled: true } });
    expect(observed).toBe(`KMS reports automatic rotation on for ${arnOf(KEY)}`);
    expect(afterFix).toBe('rotation on');
    expect(undone.summary).toBe(`Turned automatic rotation off for KMS key ${arnOf(KEY)}`);
    expect(rotationOf(sim)).toBe('rotation off');
  });

  it('fails verification when the re-read shows rotation off', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account());
    const change = await kmsKeyRotation.remediate(finding(), planned((await kmsKeyRotation.assess(finding(), ctx)).plan), ctx);
    (sim.account(HOME_ACCOUNT).states.get('kms') as { rotationEnabled: boolean }[])[0].rotationEnabled = false;

    // Act / Assess
    await expect(kmsKeyRotation.verify(finding(), change, ctx)).rejects.toMatchObject({
      name: 'VerificationFailedError',
      message: `Automatic rotation of ${arnOf(KEY)} is still off`,
    });
  });

  it('reports a refused change as a RemediationError that says nothing changed', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account());
    const plan = planned((await kmsKeyRotation.assess(finding(), ctx)).plan);
    sim.faults = (call) => {
      if (call.command === 'EnableKeyRotation')
        throw new SimulatedServiceError('AccessDeniedException', 'not authorized to perform kms:EnableKeyRotation');
    };

    // Act / Assess
    await expect(kmsKeyRotation.remediate(finding(), plan, ctx)).rejects.toMatchObject({
      name: 'RemediationError',
      message: expect.stringMatching(/AccessDeniedException.*nothing was changed/),
    });
    expect(rotationOf(sim)).toBe('rotation off');
  });
});

describe('simulated KMS rotation', () => {
  it.each([
    [{ origin: 'EXTERNAL' }, 'UnsupportedOperationException'],
    [{ keySpec: 'RSA_4096' }, 'UnsupportedOperationException'],
    [{ keyManager: 'AWS' }, 'AccessDeniedException'],
    [{ keyState: 'Disabled' }, 'DisabledException'],
    [{ keyState: 'PendingDeletion' }, 'KMSInvalidStateException'],
  ])('refuses EnableKeyRotation as KMS does (%o: %s)', async (key, errorName) => {
    // Prepare
    const { clients } = simulatedAccount(account(key));
    const kms = clients.at(KMSClient, { accountId: HOME_ACCOUNT, region: 'us-east-1' });

    // Act / Assess
    await expect(kms.send(new EnableKeyRotationCommand({ KeyId: arnOf(KEY) }))).rejects.toMatchObject({ name: errorName });
  });
});
