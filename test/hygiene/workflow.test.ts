import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { HYGIENE_AUDIT_PARTITION } from '../../functions/audit/audit';
import { defaultConfig } from '../../functions/platform/config';
import { documentClient } from '../../functions/platform/dynamo';
import { selectedChanges } from '../../functions/hygiene/audit';
import { reversal } from '../../functions/hygiene/batch';
import { standardsArn } from '../../functions/hygiene/standards';
import type { AuditReport, HygieneRunRecord } from '../../functions/hygiene/types';
import { parseFixture, type Fixture } from '../../sandbox/fixture';
import { answerApproval, approvalLinkIn } from '../../sandbox/approver';
import { auditSandbox, organizationTargets, runHygieneBatch } from '../../sandbox/hygiene-session';
import { sandboxOperator } from '../../sandbox/session';
import { LocalCloud, synthesizeHygieneWorkflow } from '../../sandbox/local-cloud';
import type { SynthesizedWorkflow } from '../../sandbox/synthesized-definition';

/**
 * The synthesized control-hygiene state machine on aws-local-stepfunctions, every task bound to its real handler,
 * against the simulated organization of sandbox/fixtures/organization-controls.json (2 accounts x 2 regions).
 */
const FIXTURE: Fixture = parseFixture(
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'sandbox', 'fixtures', 'organization-controls.json'), 'utf8')),
);
const PROD = '222222222222';
const DEV = '333333333333';
const approve = () => ({ decision: 'approve' as const, approver: 'ana', reason: 'CIS clean-up, step 1' });
const reject = () => ({ decision: 'reject' as const, approver: 'ana', reason: 'Not before the audit' });

let workflow: SynthesizedWorkflow;
let cloud: LocalCloud;
let audit: AuditReport;

beforeAll(() => {
  workflow = synthesizeHygieneWorkflow(defaultConfig(), FIXTURE.homeAccountId, FIXTURE.homeRegion);
});

beforeEach(async () => {
  cloud = await LocalCloud.start({ fixture: FIXTURE, config: defaultConfig(), retryIntervalMs: 0, hygieneWorkflow: workflow });
  audit = await auditSandbox(cloud, organizationTargets(FIXTURE), FIXTURE.homeRegion);
});
afterEach(() => cloud.stop());

const associationStatus = (accountId: string, region: string, standard: 'fsbp' | 'cis-1.2.0' | 'cis-3.0.0', controlId: string) =>
  (cloud.sim.snapshot()[accountId].securityHub as Record<string, Record<string, string[]>>)[region][standard].includes(controlId)
    ? 'DISABLED'
    : 'ENABLED';

describe('the audit of the organization fixture', () => {
  it('finds the global controls enabled outside the home region and the checks duplicated across standards', () => {
    // Assess
    const candidates = audit.regions.flatMap((r) => r.candidates);
    const global = candidates.filter((c) => c.kind === 'global-outside-home-region');
    expect(new Set(global.map((c) => c.region))).toEqual(new Set(['eu-west-1']));
    expect(new Set(global.map((c) => c.accountId))).toEqual(new Set([PROD, DEV]));
    expect(global).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          accountId: PROD,
          securityControlId: 'IAM.3',
          standardsArn: standardsArn('cis-1.2.0', 'eu-west-1'),
          failedFindings: 1,
        }),
      ]),
    );
    const duplicates = candidates.filter((c) => c.kind === 'duplicate-across-standards');
    expect(new Set(duplicates.map((c) => c.accountId))).toEqual(new Set([PROD])); // DEV has consolidated findings on
    expect(duplicates).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          region: 'us-east-1',
          securityControlId: 'IAM.3',
          standardsArn: standardsArn('fsbp', 'us-east-1'),
          failedFindings: 1,
        }),
      ]),
    );
    expect(audit.totals).toEqual({ candidates: 38, selected: 35, failedFindingsBefore: 21, failedFindingsAfter: 8 });
  });

  it('reports accounts and regions without Security Hub as skipped rather than failing', () => {
    // Assess
    expect(audit.regions.filter((r) => r.skipped).map((r) => r.accountId)).toEqual([FIXTURE.homeAccountId, FIXTURE.homeAccountId]);
  });
});

describe('an approved batch', () => {
  it(
    'disables the selected controls across accounts with one approval, records each reason, and the failed findings drop as the ' +
      'audit said',
    async () => {
      // Prepare
      const changes = selectedChanges(audit);

      // Act
      const run = await runHygieneBatch(cloud, { mode: 'disable', requestedBy: 'workflow test', changes }, approve);

      // Assess
      expect(run.execution.status).toBe('SUCCEEDED');
      expect(run.execution.states).toEqual([
        'Start',
        'Prepare',
        'Mode',
        'RequestApproval',
        'Decision',
        'ApplyPerAccount',
        'Record',
        'Outcome',
        'Done',
      ]);
      expect(run.emails).toHaveLength(1);
      expect(run.emails[0].answer).toMatch(/^approve by ana/);
      const email = cloud.sim.published[0].message;
      expect(email).toContain(`${PROD} eu-west-1: IAM.3 in CIS AWS Foundations Benchmark v1.2.0`);
      expect(email).toContain(`${DEV} eu-west-1: IAM.16 in CIS AWS Foundations Benchmark v3.0.0`);
      const record = run.record as HygieneRunRecord;
      expect(record.status).toBe('applied');
      expect(record.counts).toEqual({ requested: changes.length, changed: changes.length, unchanged: 0, failed: 0 });
      expect(record.approval).toEqual(expect.objectContaining({ decision: 'approved', approver: 'Ana Approver <ana@example.test>' }));
      expect(new Set(record.changes.map((c) => c.accountId))).toEqual(new Set([PROD, DEV]));
      for (const change of record.changes) {
        expect(change.before.status).toBe('ENABLED');
        expect(change.after).toEqual({ status: 'DISABLED', reason: change.reason });
        expect(change.approvedBy).toBe('Ana Approver <ana@example.test>');
      }
      const stored = await documentClient(cloud.runtime).send(
        new GetCommand({ TableName: cloud.runtime.settings.auditTableName, Key: { executionId: record.executionId } }),
      );
      expect(stored.Item).toMatchObject({
        auditPartition: HYGIENE_AUDIT_PARTITION,
        kind: 'hubfix-control-hygiene',
        status: 'applied',
        changes: JSON.parse(JSON.stringify(record.changes)),
      });
      expect(associationStatus(PROD, 'eu-west-1', 'cis-1.2.0', 'IAM.3')).toBe('DISABLED');
      expect(associationStatus(PROD, 'us-east-1', 'cis-1.2.0', 'IAM.3')).toBe('ENABLED');
      expect(associationStatus(PROD, 'us-east-1', 'fsbp', 'IAM.3')).toBe('DISABLED');
      expect([run.failedFindings.totalBefore, run.failedFindings.totalAfter]).toEqual([
        audit.totals.failedFindingsBefore,
        audit.totals.failedFindingsAfter,
      ]);
      for (const region of audit.regions) {
        expect(run.failedFindings.after[`${region.accountId} ${region.region}`] ?? 0).toBe(region.failedFindingsAfter);
      }
    },
  );

  it(
    'is undone by one enable batch built from its record: every ' + 'association and failed finding comes back, without an approval',
    async () => {
      // Prepare
      const disabled = await runHygieneBatch(
        cloud,
        { mode: 'disable', requestedBy: 'workflow test', changes: selectedChanges(audit) },
        approve,
      );

      // Act
      const enabled = await runHygieneBatch(cloud, reversal(disabled.record as HygieneRunRecord, 'workflow test'), () => 'wait');

      // Assess
      expect(enabled.execution.status).toBe('SUCCEEDED');
      expect(enabled.execution.states).toContain('NoApprovalNeeded');
      expect(enabled.emails).toEqual([]);
      expect(enabled.record?.counts.changed).toBe(disabled.record?.counts.changed);
      expect(enabled.failedFindings.totalAfter).toBe(audit.totals.failedFindingsBefore);
      expect(associationStatus(PROD, 'eu-west-1', 'cis-1.2.0', 'IAM.3')).toBe('ENABLED');
      expect(
        enabled.record?.changes.every((c) => c.after.status === 'ENABLED' && c.reason.includes(disabled.record?.executionId ?? '?')),
      ).toBe(true);
    },
  );

  it('records a control Security Hub refuses as failed, applies the rest, and fails nothing else', async () => {
    // Prepare: a control that is not part of the standard in that region.
    const changes = [
      ...selectedChanges(audit).slice(0, 2),
      {
        accountId: PROD,
        region: 'eu-west-1',
        standardsArn: standardsArn('cis-3.0.0', 'eu-west-1'),
        securityControlId: 'IAM.3',
        status: 'DISABLED' as const,
        reason: 'not enabled there',
      },
    ];

    // Act
    const run = await runHygieneBatch(cloud, { mode: 'disable', requestedBy: 'workflow test', changes }, approve);

    // Assess
    expect(run.record?.status).toBe('partially-applied');
    expect(run.record?.counts).toEqual({ requested: 3, changed: 2, unchanged: 0, failed: 1 });
    expect(run.record?.changes.find((c) => c.outcome === 'failed')?.error).toMatch(/RESOURCE_NOT_FOUND/);
  });
});

describe('a rejected batch', () => {
  it('changes nothing and says so', async () => {
    // Act
    const run = await runHygieneBatch(cloud, { mode: 'disable', requestedBy: 'workflow test', changes: selectedChanges(audit) }, reject);

    // Assess
    expect(run.execution.status).toBe('SUCCEEDED');
    expect(run.execution.states).not.toContain('ApplyPerAccount');
    expect(run.record).toEqual(
      expect.objectContaining({
        status: 'rejected',
        changes: [],
        approval: expect.objectContaining({ decision: 'rejected', reason: 'Not before the audit' }),
      }),
    );
    expect(run.failedFindings.after).toEqual(run.failedFindings.before);
    expect(associationStatus(PROD, 'eu-west-1', 'cis-1.2.0', 'IAM.3')).toBe('ENABLED');
  });
});

describe('a batch an operator started', () => {
  it('cannot be approved by that operator: their answer is refused and changes nothing; a second approver decides', async () => {
    // Prepare: Ana started the batch from her IAM Identity Center session (what `hubfix controls disable` records)
    const requester = sandboxOperator(FIXTURE.homeAccountId, 'ana@example.test');
    const batch = { mode: 'disable' as const, requestedBy: 'hubfix controls disable by ana@example.test', requester };
    const execution = cloud.controlHygiene().start('hygiene-self', { ...batch, changes: selectedChanges(audit) });
    const link = await (async () => {
      for (let i = 0; i < 500 && cloud.sim.published.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      return cloud.sim.published[0] && approvalLinkIn(cloud.sim.published[0]);
    })();
    if (!link) throw new Error(`no approval email: ${execution.status} ${JSON.stringify(execution.error)}`);

    // Act
    const byAna = await answerApproval(link, 'approve', 'ana', 'my own batch');
    const stillWaiting = cloud.controlHygiene().waitingExecutions().length;
    const unchanged = associationStatus(PROD, 'eu-west-1', 'cis-1.2.0', 'IAM.3');
    const byBo = await answerApproval(link, 'approve', 'bo', 'second pair of eyes');
    await execution.done;

    // Assess
    expect(cloud.sim.published[0].message).toContain('Requested by ana@example.test');
    expect(byAna).toBe(403);
    expect(stillWaiting).toBe(1);
    expect(unchanged).toBe('ENABLED');
    expect(byBo).toBe(200);
    expect((execution.output as HygieneRunRecord).status).toBe('applied');
    expect((execution.output as HygieneRunRecord).approval?.approver).toContain('bo@example.test');
    expect(associationStatus(PROD, 'eu-west-1', 'cis-1.2.0', 'IAM.3')).toBe('DISABLED');
  });
});

describe('an invalid batch', () => {
  it('fails before asking anyone when a disable batch tries to enable', async () => {
    // Act
    const run = await runHygieneBatch(
      cloud,
      { mode: 'disable', requestedBy: 'workflow test', changes: [{ ...selectedChanges(audit)[0], status: 'ENABLED' }] },
      approve,
    );

    // Assess
    expect(run.execution.status).toBe('FAILED');
    expect(run.execution.error?.Error).toBe('InvalidControlHygieneBatch');
    expect(run.emails).toEqual([]);
  });
});
