import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../../functions/platform/config';
import type { WorkflowState } from '../../functions/findings/types';
import { kmsKeyRotation } from '../../functions/controls/kms-key-rotation/definition';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { runToEnd, startCloud } from '../support/workflow';

const scenarios = join(__dirname, '../../functions/controls/kms-key-rotation');
const read = (name: string) => JSON.parse(readFileSync(join(scenarios, name), 'utf8')) as Record<string, unknown>;
const fixture = read('scenario.json');
const event = read('scenario-event.json') as { detail: { findings: { Id: string; ProductArn: string; Resources: { Id: string }[] }[] } };
const ROTATABLE = '1234abcd-12ab-34cd-56ef-1234567890ab';
const ASYMMETRIC = '5678efab-56ef-78ab-90cd-5678901234ef';
const eventFor = (keyId: string) => ({
  ...event,
  detail: { ...event.detail, findings: event.detail.findings.filter((f) => f.Resources[0].Id.endsWith(keyId)) },
});
const rotationOf = (cloud: LocalCloud, keyId: string) =>
  (cloud.sim.snapshot()['222222222222'].kms as Record<string, string>)[`key/${keyId}`];

let cloud: LocalCloud;
afterEach(async () => cloud?.stop());

describe('KMS key-rotation workflow, executed from the synthesized definition', () => {
  it('turns rotation on automatically, verifies it, resolves the finding, and rollback turns it off again', async () => {
    // Prepare
    cloud = await startCloud(fixture);

    // Act
    const report = await runToEnd(cloud, eventFor(ROTATABLE));
    const state = [...cloud.stepFunctions.executions.values()][0].output as WorkflowState;
    const afterRun = rotationOf(cloud, ROTATABLE);
    if (!state.change) throw new Error('the run recorded no change');
    await kmsKeyRotation.rollback(state.finding, state.change, {
      clients: cloud.runtime.clients,
      config: cloud.runtime.config,
      now: cloud.runtime.now,
    });

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(report.findings[0].note).toContain('Verified: KMS reports automatic rotation on');
    expect(afterRun).toBe('rotation on');
    expect(rotationOf(cloud, ROTATABLE)).toBe('rotation off');
  });

  it('annotates an asymmetric key as not applicable (NOTIFIED, with the reason), never as compliant, and changes nothing', async () => {
    // Prepare
    cloud = await startCloud(fixture);
    const [raw] = eventFor(ASYMMETRIC).detail.findings;

    // Act
    const report = await runToEnd(cloud, eventFor(ASYMMETRIC));

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'skipped', workflowStatus: 'NOTIFIED' });
    expect(report.findings[0].note).toContain('it is an asymmetric key (RSA_2048): KMS rotates only symmetric encryption keys');
    const fields = cloud.sim.finding(raw.Id, raw.ProductArn)?.finding.UserDefinedFields as Record<string, string>;
    expect(fields['hubfix:skip']).toBe('not-applicable');
    expect(cloud.sim.calls.filter((c) => c.command.endsWith('KeyRotation'))).toHaveLength(0);
    expect(rotationOf(cloud, ASYMMETRIC)).toBe('rotation off');
  });

  it('asks a person first when KMS.4 is in approval mode, with the evidence that no caller changes', async () => {
    // Prepare
    cloud = await startCloud(fixture, { ...defaultConfig(), controls: { 'KMS.4': 'approval' } });

    // Act
    const report = await runToEnd(cloud, eventFor(ROTATABLE), 'approve');

    // Assess
    expect(report.emails).toHaveLength(1);
    expect(cloud.sim.published[0].message).toContain('data encrypted before still decrypts');
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved' });
  });
});
