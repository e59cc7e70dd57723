import { defaultConfig } from '../../platform/config';
import { RemediationError } from '../../platform/errors';
import { assessFinding } from '../../workflow/routing';
import { guidanceLink } from './manual';
import { pluginFor, plugins } from '../registry';
import { rootAccountCredentials } from '../root-account-credentials/definition';
import { accountResource, findingRef } from '../../../test/support/finding-ref';
import { simulatedAccount } from '../../../test/support/simulated-account';
import { HOME_ACCOUNT } from '../../../test/support/workflow';

const finding = (controlId: string) => findingRef(controlId, accountResource(), { severity: 'CRITICAL' });

/** Every manual-only control folder (each a manualControl definition). */
const manualOnlyPlugins = plugins.filter((plugin) => plugin.automation === 'manual');
const manualControls = manualOnlyPlugins.flatMap((plugin) => plugin.securityControlIds.map((controlId) => [controlId, plugin] as const));

describe('manual-only controls', () => {
  it('covers the root account, console MFA, admin and user policies and password expiry, each served by a manual plugin', () => {
    // Assess
    for (const controlId of ['IAM.1', 'IAM.2', 'IAM.4', 'IAM.5', 'IAM.6', 'IAM.9', 'IAM.10', 'IAM.17', 'IAM.19']) {
      expect({ controlId, automation: pluginFor(controlId)?.automation, mode: pluginFor(controlId)?.defaultMode }).toEqual({
        controlId,
        automation: 'manual',
        mode: 'plan',
      });
    }
    for (const plugin of manualOnlyPlugins) expect(plugin.reversible).toBe(false);
  });

  it.each(manualControls)('%s: assess calls nothing and returns the guidance link and the manual steps', async (controlId, plugin) => {
    // Prepare
    const { sim, ctx } = simulatedAccount({ [HOME_ACCOUNT]: {} });

    // Act
    const result = await plugin.assess(finding(controlId), ctx);

    // Assess
    expect(sim.calls).toEqual([]);
    expect(result.plan).toBeUndefined();
    expect(result.evidence[0]).toEqual({
      fact: `Guidance: ${guidanceLink(controlId)}`,
      source: expect.stringContaining('Security Hub user guide'),
    });
    expect(result.evidence[1].fact).toMatch(/^Steps: 1\) /);
  });

  it('links each control to its section of the Security Hub IAM controls page', () => {
    // Act / Assess
    expect(guidanceLink('IAM.4')).toBe('https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-4');
    expect(guidanceLink('IAM.17')).toBe('https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-17');
  });

  it.each(['remediate', 'verify', 'rollback'] as const)(
    '%s throws a clear error and changes nothing if it is ever called',
    async (step) => {
      // Prepare
      const { sim, ctx } = simulatedAccount({ [HOME_ACCOUNT]: {} });
      const change = { summary: 's', before: {}, after: {}, changedAt: 'x', reversible: false };
      const plan = { summary: 's', steps: [], reversible: false, parameters: {} };

      // Act
      const call =
        step === 'remediate'
          ? rootAccountCredentials.remediate(finding('IAM.4'), plan, ctx)
          : rootAccountCredentials[step](finding('IAM.4'), change, ctx);

      // Assess
      await expect(call).rejects.toThrow(RemediationError);
      await expect(call).rejects.toThrow(`root-account-credentials is manual-only: hubfix never calls ${step} for it`);
      expect(sim.calls).toEqual([]);
    },
  );

  it('routes a manual control to skip "manual" even when the configuration asks for auto', async () => {
    // Prepare
    const { ctx } = simulatedAccount({ [HOME_ACCOUNT]: {} }, { ...defaultConfig(), controls: { 'IAM.4': 'auto' } });
    const input = {
      finding: finding('IAM.4'),
      action: 'remediate' as const,
      trigger: 'custom-action' as const,
      receivedAt: '2026-11-22T09:00:00Z',
    };

    // Act
    const assessment = await assessFinding(input, ctx);

    // Assess
    expect(assessment).toMatchObject({ route: 'skip', skip: 'manual', pluginId: 'root-account-credentials' });
    expect(assessment.routeReason).toBe(
      'IAM.4 is never changed automatically: only the root user can change its own credentials, and hubfix must never act as root',
    );
  });
});
