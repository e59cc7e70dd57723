import { assessFinding } from '../functions/workflow/routing';
import { kmsKeyRotation } from '../functions/controls/kms-key-rotation/definition';
import type { Trigger, WorkflowInput } from '../functions/findings/types';
import { findingRef } from './support/finding-ref';
import { simulatedAccount } from './support/simulated-account';
import { HOME_ACCOUNT } from './support/workflow';

const KEY_ARN = `arn:aws:kms:us-east-1:${HOME_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const input = (trigger: Trigger): WorkflowInput => ({
  finding: findingRef('KMS.4', { type: 'AwsKmsKey', id: KEY_ARN }),
  action: 'remediate',
  trigger,
  receivedAt: '2026-11-22T12:00:00.000Z',
});
const plan = { summary: 'Enable rotation', steps: ['kms:EnableKeyRotation'], reversible: true, parameters: { keyArn: KEY_ARN } };
type KmsAssessment = Awaited<ReturnType<typeof kmsKeyRotation.assess>>;

/** KMS.4 defaults to "auto": only the assessment can keep it off the automatic route. */
const routeWith = async (result: KmsAssessment, trigger: Trigger = 'custom-action') => {
  const { ctx } = simulatedAccount({ [HOME_ACCOUNT]: {} });
  const spy = jest.spyOn(kmsKeyRotation, 'assess').mockResolvedValue(result);
  try {
    return await assessFinding(input(trigger), ctx);
  } finally {
    spy.mockRestore();
  }
};

describe('routing an assessment whose signals were not all seen', () => {
  it.each<Trigger>(['custom-action', 'imported'])('sends risk "unknown" to a person, never the automatic route (%s)', async (trigger) => {
    // Act
    const assessment = await routeWith(
      { risk: 'unknown', riskReason: 'CloudTrail in eu-west-1 could not be read', evidence: [], plan },
      trigger,
    );

    // Assess
    expect(assessment.route).toBe('approval');
    expect(assessment.risk).toBe('unknown');
    expect(assessment.routeReason).toBe('Risk unknown, a person decides: CloudTrail in eu-west-1 could not be read');
  });

  it('treats a "low" assessment that reports an unseen signal as unknown, naming what was not seen', async () => {
    // Act
    const assessment = await routeWith({
      risk: 'low',
      riskReason: 'no use found',
      evidence: [
        { fact: 'No use in us-east-1.', source: 'cloudtrail:LookupEvents', where: 'us-east-1', window: 'last 90 days' },
        { fact: 'Data events were not visible: no data-event source is configured.', source: 'configuration', unseen: true },
      ],
      plan,
    });

    // Assess
    expect(assessment.route).toBe('approval');
    expect(assessment.risk).toBe('unknown');
    expect(assessment.routeReason).toContain('Data events were not visible');
  });

  it('still fixes a low-risk finding whose signals were all read', async () => {
    // Act
    const assessment = await routeWith({
      risk: 'low',
      riskReason: 'no caller changes',
      evidence: [{ fact: 'Rotation is off.', source: 'kms:GetKeyRotationStatus' }],
      plan,
    });

    // Assess
    expect(assessment.route).toBe('auto');
  });
});
