import { VerificationFailedError } from '../../platform/errors';
import { iamPasswordPolicy, mergeStricter } from './definition';
import { SimulatedServiceError } from '../../../sandbox/simulated-aws';
import { accountResource, findingRef } from '../../../test/support/finding-ref';
import { simulatedAccount } from '../../../test/support/simulated-account';
import { HOME_ACCOUNT } from '../../../test/support/workflow';

const finding = (controlId = 'IAM.15') => findingRef(controlId, accountResource());

const account = (passwordPolicy: unknown, extra: Record<string, unknown> = {}) => ({ [HOME_ACCOUNT]: { passwordPolicy, ...extra } });
const weak = { minimumPasswordLength: 8, requireNumbers: true, allowUsersToChangePassword: true };
const policyIn = (sim: ReturnType<typeof simulatedAccount>['sim']) => sim.snapshot()[HOME_ACCOUNT].passwordPolicy;
const facts = (evidence: { fact: string }[]) => evidence.map((e) => e.fact);

describe('iam-password-policy assess', () => {
  it('plans a merge of the baseline into a weak policy, listing each setting before → after, at low risk', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account(weak));

    // Act
    const result = await iamPasswordPolicy.assess(finding('IAM.15'), ctx);

    // Assess
    expect(result.risk).toBe('low');
    expect(result.plan?.parameters.policy).toEqual({
      MinimumPasswordLength: 14,
      RequireUppercaseCharacters: true,
      RequireLowercaseCharacters: true,
      RequireSymbols: true,
      RequireNumbers: true,
      PasswordReusePrevention: 24,
      AllowUsersToChangePassword: true,
    });
    expect(facts(result.evidence)).toEqual(
      expect.arrayContaining([
        'MinimumPasswordLength: 8 → 14',
        'RequireSymbols: false → true',
        'PasswordReusePrevention: not set → 24',
        'RequireNumbers: true (kept: already at least as strict as true)',
        'MaxPasswordAge: not set (kept: hubfix does not turn on password expiry)',
      ]),
    );
    expect(facts(result.evidence).join(' ')).toMatch(
      /Nobody is asked for a new password now.*does not turn on ExpirePasswords.*HardExpiry locks users/,
    );
    expect(result.plan?.summary).toContain('MinimumPasswordLength 8 → 14');
  });

  it('never loosens a stricter setting: a length of 20 and an existing expiry stay as they are', async () => {
    // Prepare
    const { ctx } = simulatedAccount(
      account({ minimumPasswordLength: 20, maxPasswordAge: 60, hardExpiry: false, passwordReusePrevention: 5 }),
    );

    // Act
    const result = await iamPasswordPolicy.assess(finding('IAM.16'), ctx);

    // Assess
    expect(result.plan?.parameters.policy).toMatchObject({
      MinimumPasswordLength: 20,
      MaxPasswordAge: 60,
      HardExpiry: false,
      PasswordReusePrevention: 24,
    });
    expect(facts(result.evidence)).toEqual(
      expect.arrayContaining([
        'MinimumPasswordLength: 20 (kept: already at least as strict as 14)',
        'MaxPasswordAge: 60 (kept: hubfix does not turn on password expiry)',
      ]),
    );
  });

  it('plans to create the policy when the account has none (NoSuchEntity), without turning on expiry', async () => {
    // Prepare
    const { ctx } = simulatedAccount(account(null));

    // Act
    const result = await iamPasswordPolicy.assess(finding('IAM.7'), ctx);

    // Assess
    expect(result.evidence[0].fact).toContain('no custom policy');
    expect(result.plan?.summary).toMatch(/^Create the account password policy/);
    expect(result.plan?.parameters.policy).not.toHaveProperty('MaxPasswordAge');
    expect(result.plan?.parameters.policy).not.toHaveProperty('HardExpiry');
  });

  it('has nothing to change when the finding\u2019s control already passes', async () => {
    // Prepare: IAM.11 needs uppercase only; the policy is weak otherwise
    const { ctx } = simulatedAccount(account({ minimumPasswordLength: 8, requireUppercaseCharacters: true }));

    // Act
    const result = await iamPasswordPolicy.assess(finding('IAM.11'), ctx);

    // Assess
    expect(result.plan).toBeUndefined();
    expect(result.riskReason).toContain('already meets IAM.11');
  });

  it('rates the change high when automation set IAM passwords recently, naming the caller', async () => {
    // Prepare
    const { ctx } = simulatedAccount(
      account(weak, {
        cloudtrailEvents: [
          {
            eventTime: 'now-2d',
            eventSource: 'iam.amazonaws.com',
            eventName: 'CreateLoginProfile',
            userName: 'onboarding-bot',
            userAgent: 'Boto3/1.34.0 Python/3.12',
          },
          { eventTime: 'now-1d', eventSource: 's3.amazonaws.com', eventName: 'ListBuckets', userName: 'someone' },
        ],
      }),
    );

    // Act
    const result = await iamPasswordPolicy.assess(finding('IAM.15'), ctx);

    // Assess
    expect(result.risk).toBe('high');
    expect(result.riskReason).toContain('onboarding-bot');
    expect(result.evidence).toContainEqual({
      fact: expect.stringContaining(
        '1 password(s) set through the IAM API in the last 14 days: CreateLoginProfile by onboarding-bot (Boto3',
      ),
      source: 'cloudtrail:LookupEvents',
    });
  });

  it.each([
    ['us-gov-west-1', 'us-gov-west-1'],
    ['us-gov-east-1', 'us-gov-west-1'],
    ['cn-northwest-1', 'cn-north-1'],
  ])(
    'reads IAM events where the partition of %s records them (%s), whatever Partition the finding reports',
    async (region, eventRegion) => {
      // Prepare: a finding from a GovCloud or China region that (wrongly) reports Partition aws
      const { ctx } = simulatedAccount(
        account(weak, {
          cloudtrailEvents: [
            {
              eventTime: 'now-2d',
              eventSource: 'iam.amazonaws.com',
              eventName: 'CreateLoginProfile',
              userName: 'onboarding-bot',
              userAgent: 'Boto3/1.34.0',
              region: eventRegion,
            },
          ],
        }),
      );
      const inRegion = findingRef('IAM.15', { ...accountResource(), partition: 'aws' }, { region });

      // Act
      const result = await iamPasswordPolicy.assess(inRegion, ctx);

      // Assess
      expect(result.risk).toBe('high');
      expect(result.riskReason).toContain('onboarding-bot');
    },
  );

  it('stays low when passwords were only set in the console', async () => {
    // Prepare
    const { ctx } = simulatedAccount(
      account(weak, {
        cloudtrailEvents: [
          {
            eventTime: 'now-2d',
            eventSource: 'iam.amazonaws.com',
            eventName: 'UpdateLoginProfile',
            userName: 'admin',
            userAgent: 'console.amazonaws.com',
          },
        ],
      }),
    );

    // Act
    const result = await iamPasswordPolicy.assess(finding('IAM.15'), ctx);

    // Assess
    expect(result.risk).toBe('low');
  });
});

describe('iam-password-policy remediate, verify, rollback', () => {
  it('applies the merged policy, verifies it by re-reading, and rolls back to the previous policy exactly', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account({ ...weak, maxPasswordAge: 90, hardExpiry: true }));
    const before = policyIn(sim);
    const { plan } = await iamPasswordPolicy.assess(finding(), ctx);

    // Act
    const change = await iamPasswordPolicy.remediate(finding(), plan!, ctx);
    const observed = await iamPasswordPolicy.verify(finding(), change, ctx);
    const applied = policyIn(sim);
    await iamPasswordPolicy.rollback(finding(), change, ctx);

    // Assess
    expect(applied).toEqual({
      minimumPasswordLength: 14,
      requireSymbols: true,
      requireNumbers: true,
      requireUppercaseCharacters: true,
      requireLowercaseCharacters: true,
      allowUsersToChangePassword: true,
      maxPasswordAge: 90,
      passwordReusePrevention: 24,
      hardExpiry: true,
    });
    expect(change.summary).toContain('MinimumPasswordLength 8 → 14');
    expect(observed).toContain('MinimumPasswordLength=14');
    expect(policyIn(sim)).toEqual(before);
  });

  it('keeps a setting someone tightened after the assessment', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account(weak));
    const { plan } = await iamPasswordPolicy.assess(finding(), ctx);
    (sim.account(HOME_ACCOUNT).states.get('passwordPolicy') as { policy: { minimumPasswordLength: number } }).policy.minimumPasswordLength =
      32;

    // Act
    await iamPasswordPolicy.remediate(finding(), plan!, ctx);

    // Assess
    expect(policyIn(sim)).toMatchObject({ minimumPasswordLength: 32 });
  });

  it('rolls back to no policy at all when the account had none', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account(null));
    const { plan } = await iamPasswordPolicy.assess(finding(), ctx);
    const change = await iamPasswordPolicy.remediate(finding(), plan!, ctx);

    // Act
    const undone = await iamPasswordPolicy.rollback(finding(), change, ctx);

    // Assess
    expect(change.before).toEqual({ policy: null });
    expect(undone.summary).toContain('deleted the custom policy');
    expect(policyIn(sim)).toEqual({});
  });

  it('treats a policy already gone as rolled back: a retried rollback succeeds with the same record', async () => {
    // Prepare: the first rollback deleted the policy, but its response was lost
    const { sim, ctx } = simulatedAccount(account(null));
    const { plan } = await iamPasswordPolicy.assess(finding(), ctx);
    const change = await iamPasswordPolicy.remediate(finding(), plan!, ctx);
    const first = await iamPasswordPolicy.rollback(finding(), change, ctx);

    // Act
    const retried = await iamPasswordPolicy.rollback(finding(), change, ctx);

    // Assess
    expect(retried).toEqual(first);
    expect(retried.before).toEqual(change.after);
    expect(retried.after).toEqual({ policy: null });
    expect(policyIn(sim)).toEqual({});
  });

  it('treats NoSuchEntity from the delete as done when the SDK resent it after a lost response', async () => {
    // Prepare: DeleteAccountPasswordPolicy is applied, its response lost, and the SDK's second delivery finds nothing
    const { sim, ctx } = simulatedAccount(account(null));
    const { plan } = await iamPasswordPolicy.assess(finding(), ctx);
    const change = await iamPasswordPolicy.remediate(finding(), plan!, ctx);
    sim.faults = (call) => {
      if (call.command === 'DeleteAccountPasswordPolicy')
        (sim.account(HOME_ACCOUNT).states.get('passwordPolicy') as { policy?: unknown }).policy = undefined;
    };

    // Act
    const undone = await iamPasswordPolicy.rollback(finding(), change, ctx);

    // Assess
    expect(undone.summary).toContain('deleted the custom policy');
    expect(policyIn(sim)).toEqual({});
  });

  it('records the policy the assessment read when a retry finds the update already applied, so rollback restores it', async () => {
    // Prepare: the first remediate applied the policy, but its response was lost
    const { sim, ctx } = simulatedAccount(account(weak));
    const before = policyIn(sim);
    const { plan } = await iamPasswordPolicy.assess(finding(), ctx);
    const first = await iamPasswordPolicy.remediate(finding(), plan!, ctx);

    // Act
    const retried = await iamPasswordPolicy.remediate(finding(), plan!, ctx);
    await iamPasswordPolicy.rollback(finding(), retried, ctx);

    // Assess
    expect(retried).toEqual(first);
    expect(retried.summary).toContain('MinimumPasswordLength 8 → 14');
    expect(policyIn(sim)).toEqual(before);
  });

  it('fails verification when the policy was loosened again after remediation', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account(weak));
    const { plan } = await iamPasswordPolicy.assess(finding(), ctx);
    const change = await iamPasswordPolicy.remediate(finding(), plan!, ctx);
    (sim.account(HOME_ACCOUNT).states.get('passwordPolicy') as { policy: { minimumPasswordLength: number } }).policy.minimumPasswordLength =
      10;

    // Act
    const verifying = iamPasswordPolicy.verify(finding(), change, ctx);

    // Assess
    await expect(verifying).rejects.toThrow(VerificationFailedError);
    await expect(verifying).rejects.toThrow('MinimumPasswordLength=10 (applied 14)');
  });

  it('fails verification when the policy was deleted', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account(weak));
    const { plan } = await iamPasswordPolicy.assess(finding(), ctx);
    const change = await iamPasswordPolicy.remediate(finding(), plan!, ctx);
    (sim.account(HOME_ACCOUNT).states.get('passwordPolicy') as { policy?: unknown }).policy = undefined;

    // Act / Assess
    await expect(iamPasswordPolicy.verify(finding(), change, ctx)).rejects.toThrow(`Account ${HOME_ACCOUNT} has no password policy`);
  });

  it('says nothing was changed when IAM refuses the update', async () => {
    // Prepare
    const { sim, ctx } = simulatedAccount(account(weak));
    const { plan } = await iamPasswordPolicy.assess(finding(), ctx);
    sim.faults = (call) => {
      if (call.command === 'UpdateAccountPasswordPolicy') throw new SimulatedServiceError('AccessDenied', 'not authorized');
    };

    // Act / Assess
    await expect(iamPasswordPolicy.remediate(finding(), plan!, ctx)).rejects.toThrow(
      /failed \(AccessDenied: not authorized\); nothing was changed/,
    );
    expect(policyIn(sim)).toMatchObject({ minimumPasswordLength: 8 });
  });
});

describe('mergeStricter', () => {
  it('takes the stricter value of every hardened setting and keeps the rest of the current policy', () => {
    // Act
    const merged = mergeStricter(
      {
        MinimumPasswordLength: 30,
        RequireUppercaseCharacters: true,
        RequireLowercaseCharacters: false,
        RequireSymbols: false,
        RequireNumbers: false,
        AllowUsersToChangePassword: false,
        MaxPasswordAge: 30,
      },
      {
        MinimumPasswordLength: 14,
        RequireUppercaseCharacters: false,
        RequireLowercaseCharacters: true,
        RequireSymbols: true,
        RequireNumbers: true,
        AllowUsersToChangePassword: true,
        PasswordReusePrevention: 24,
      },
    );

    // Assess
    expect(merged).toEqual({
      MinimumPasswordLength: 30,
      RequireUppercaseCharacters: true,
      RequireLowercaseCharacters: true,
      RequireSymbols: true,
      RequireNumbers: true,
      PasswordReusePrevention: 24,
      AllowUsersToChangePassword: false,
      MaxPasswordAge: 30,
    });
  });
});
