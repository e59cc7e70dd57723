import { fitNote } from '../functions/workflow/annotation';
import { causeMessage, describeOutcome } from '../functions/workflow/outcome';
import type { Assessment, SkipKind, StepFailure, WorkflowState } from '../functions/findings/types';
import type { WorkflowStateV1 } from '../functions/workflow/workflow-failure';
import { plugins } from '../functions/controls/registry';
import { guidanceLink } from '../functions/controls/shared/manual';
import { findingRef } from './support/finding-ref';

const manualOnlyPlugins = plugins.filter((plugin) => plugin.automation === 'manual');
const EXECUTION = 'arn:aws:states:us-east-1:111111111111:execution:hubfix:run-1';
const DAY_S = 86_400;

const finding = findingRef('IAM.3', { type: 'AwsIamUser', id: 'arn:aws:iam::111111111111:user/ci' }, { id: 'finding-1' });

const plan = { summary: 'Deactivate access key AKIA1 of IAM user ci', steps: ['iam:UpdateAccessKey'], reversible: true, parameters: {} };
const assessment = (overrides: Partial<Assessment> = {}): Assessment => ({
  controlId: 'IAM.3',
  pluginId: 'iam-access-keys',
  route: 'auto',
  routeReason: 'Low risk, fixed automatically: no recent use',
  risk: 'low',
  evidence: [{ fact: 'Key AKIA1 has never been used.', source: 'iam:GetAccessKeyLastUsed' }],
  plan,
  assessedAt: '2026-11-22T09:00:00Z',
  ...overrides,
});
const change = {
  summary: 'Set access key AKIA1 of ci to Inactive',
  before: {},
  after: {},
  changedAt: '2026-11-22T09:01:00Z',
  reversible: true,
};
const approval = (decision: 'approved' | 'rejected', reason = 'ok') => ({
  decision,
  approver: 'Ana',
  reason,
  decidedAt: '2026-11-22T09:00:30Z',
});
const state = (extra: Partial<WorkflowState>): WorkflowState => ({
  finding,
  action: 'remediate',
  trigger: 'custom-action',
  receivedAt: '2026-11-22T09:00:00Z',
  ...extra,
});
const lambdaError = (name: string, message: string) => ({ Error: name, Cause: JSON.stringify({ errorType: name, errorMessage: message }) });

describe('describeOutcome', () => {
  it('resolves an automatic fix with what changed, what verification saw, and the assessment', () => {
    // Act
    const result = describeOutcome(
      state({ assessment: assessment(), change, verification: { verified: true, observed: 'AKIA1 is Inactive', checkedAt: 'x' } }),
      EXECUTION,
      DAY_S,
    );

    // Assess
    expect(result).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(result.note).toBe(
      'hubfix: fixed automatically (low risk). Set access key AKIA1 of ci to Inactive. Verified: AKIA1 is Inactive. Assessment: Low ' +
        'risk, fixed automatically: no recent use',
    );
    expect(result.fields).toEqual({ execution: EXECUTION, control: 'IAM.3', plugin: 'iam-access-keys', risk: 'low', approver: undefined });
  });

  it('reports an undo as undone, NOTIFIED (not NEW, so the automatic path does not redo the fix)', () => {
    // Act
    const result = describeOutcome(
      state({
        action: 'undo',
        assessment: assessment(),
        change: { ...change, summary: 'Set access key AKIA1 of ci to Active' },
        verification: { verified: true, observed: 'the control fails again', checkedAt: 'x' },
      }),
      EXECUTION,
      DAY_S,
    );

    // Assess
    expect(result).toMatchObject({ outcome: 'undone', workflowStatus: 'NOTIFIED' });
    expect(result.note).toContain(
      'undid its fix automatically (low risk). Set access key AKIA1 of ci to Active. Verified: the control fails again.',
    );
  });

  it('resolves an approved fix naming the approver and their reason', () => {
    // Act
    const result = describeOutcome(
      state({
        assessment: assessment({ route: 'approval' }),
        approval: approval('approved', 'owner agreed'),
        change,
        verification: { verified: true, observed: 'ok', checkedAt: 'x' },
      }),
      EXECUTION,
      DAY_S,
    );

    // Assess
    expect(result.outcome).toBe('resolved');
    expect(result.note).toContain('fixed after approval by Ana ("owner agreed")');
    expect(result.fields.approver).toBe('Ana');
  });

  it('reports a rejection with who, why, and what would have been done', () => {
    // Act
    const result = describeOutcome(
      state({ assessment: assessment({ route: 'approval' }), approval: approval('rejected', 'in use') }),
      EXECUTION,
      DAY_S,
    );

    // Assess
    expect(result).toMatchObject({ outcome: 'rejected', workflowStatus: 'NOTIFIED' });
    expect(result.note).toBe(
      'hubfix: rejected by Ana: "in use". Nothing was changed. Would have: Deactivate access key AKIA1 of IAM user ci.',
    );
  });

  it('reports an approval that timed out, in hours, with the plan and why approval was needed', () => {
    // Act
    const result = describeOutcome(
      state({
        assessment: assessment({ route: 'approval', routeReason: 'High risk: used an hour ago' }),
        failure: { requestApproval: { Error: 'States.Timeout' } },
      }),
      EXECUTION,
      DAY_S,
    );

    // Assess
    expect(result).toMatchObject({ outcome: 'timed-out', workflowStatus: 'NOTIFIED' });
    expect(result.note).toMatch(
      new RegExp(
        '^hubfix: no approval decision within 24 h; nothing was changed\\. Planned: Deactivate access key AKIA1' +
          '.*Why approval was needed: High risk: used an hour ago',
      ),
    );
  });

  const failureCases: [string, Partial<WorkflowState>, (error: ReturnType<typeof lambdaError>) => StepFailure, string, RegExp][] = [
    ['Assessment', {}, (error) => ({ assess: error }), 'AccessDenied', /Nothing was changed\.$/],
    [
      'Approval request',
      { assessment: assessment({ route: 'approval' }) },
      (error) => ({ requestApproval: error }),
      'ServiceException',
      /Nothing was changed\.$/,
    ],
    [
      'Remediation',
      { assessment: assessment() },
      (error) => ({ remediate: error }),
      'RemediationError',
      /See the message for what, if anything, was changed\.$/,
    ],
    [
      'Remediation',
      { assessment: assessment() },
      (error) => ({ remediate: error }),
      'MemberRoleUnavailableError',
      /Nothing was changed\.$/,
    ],
    [
      'Verification',
      { assessment: assessment(), change },
      (error) => ({ verify: error }),
      'VerificationFailedError',
      /Changed: Set access key AKIA1 of ci to Inactive; it may need undoing\.$/,
    ],
  ];

  it.each(failureCases)(
    'reports a failure of the %s step as its Catch recorded it, its error and what was changed',
    (step, known, failure, errorName, changed) => {
      // Act
      const result = describeOutcome(state({ ...known, failure: failure(lambdaError(errorName, 'it broke')) }), EXECUTION, DAY_S);

      // Assess
      expect(result).toMatchObject({ outcome: 'failed', workflowStatus: 'NOTIFIED' });
      expect(result.note).toMatch(new RegExp(`^hubfix: ${step} failed \\(${errorName}\\): it broke\\. `));
      expect(result.note).toMatch(changed);
      expect(result.fields.error).toBe(errorName);
    },
  );

  it('treats a timeout outside the approval wait as a failure, not as an unanswered approval', () => {
    // Act
    const result = describeOutcome(
      state({ assessment: assessment(), failure: { remediate: { Error: 'States.Timeout' } } }),
      EXECUTION,
      DAY_S,
    );

    // Assess
    expect(result.outcome).toBe('failed');
    expect(result.note).toBe(
      'hubfix: Remediation failed (States.Timeout): States.Timeout. See the message for what, if anything, was changed.',
    );
  });

  it('says the state is unexpected, and claims no success, when the recorded failure names no step it knows', () => {
    // Prepare: a failure key no Catch of this definition writes, beside a change and a verification
    const odd = {
      ...state({ assessment: assessment(), change, verification: { verified: true, observed: 'ok', checkedAt: 'x' } }),
      failure: { watch: { Error: 'X' } },
    };

    // Act
    const result = describeOutcome(odd as unknown as WorkflowState, EXECUTION, DAY_S);

    // Assess
    expect(result).toMatchObject({ outcome: 'failed', workflowStatus: 'NOTIFIED' });
    expect(result.note).toMatch(/unexpected state/);
  });
  it('reports a plan-only run with the plan, the risk and the evidence, leaving the status alone', () => {
    // Act
    const result = describeOutcome(
      state({
        assessment: assessment({ route: 'skip', skip: 'plan-only', routeReason: 'Plan only was requested; risk low: no recent use' }),
      }),
      EXECUTION,
      DAY_S,
    );

    // Assess
    expect(result.outcome).toBe('planned');
    expect(result.workflowStatus).toBeUndefined();
    expect(result.note).toBe(
      'hubfix plan (nothing changed): Deactivate access key AKIA1 of IAM user ci. Risk low. Plan only was requested; risk low: no ' +
        'recent use. Key AKIA1 has never been used.',
    );
    expect(result.fields.skip).toBe('plan-only');
  });

  it.each<[SkipKind, 'NOTIFIED' | undefined]>([
    ['compliant', undefined],
    ['unsupported', undefined],
    ['disabled', undefined],
    ['blocked', 'NOTIFIED'],
    ['not-applicable', 'NOTIFIED'],
    ['manual', 'NOTIFIED'],
  ])('reports a %s skip as skipped with the reason, status %s', (skip, workflowStatus) => {
    // Act
    const result = describeOutcome(
      state({ assessment: assessment({ route: 'skip', skip, plan: undefined, routeReason: `reason for ${skip}` }) }),
      EXECUTION,
      DAY_S,
    );

    // Assess
    expect(result.outcome).toBe('skipped');
    expect(result.workflowStatus).toBe(workflowStatus);
    expect(result.note).toBe(`hubfix did not act: reason for ${skip}. Key AKIA1 has never been used.`);
    expect(result.fields.skip).toBe(skip);
  });

  it('says so when the workflow reaches Annotate in a state it cannot explain', () => {
    // Act
    const result = describeOutcome(state({ assessment: assessment({ route: 'auto' }) }), EXECUTION, DAY_S);

    // Assess
    expect(result).toMatchObject({ outcome: 'failed', workflowStatus: 'NOTIFIED' });
    expect(result.note).toMatch(/unexpected state; nothing is known to have changed/);
  });
});

describe('describeOutcome for executions started before the upgrade (version 1 state: every Catch wrote $.error)', () => {
  const v1 = (extra: Partial<WorkflowStateV1> & Pick<WorkflowStateV1, 'error'>): WorkflowStateV1 => ({
    finding,
    action: 'remediate',
    trigger: 'custom-action',
    receivedAt: '2026-11-22T09:00:00Z',
    ...extra,
  });

  it.each<[string, Partial<WorkflowStateV1>, string, RegExp]>([
    ['Assessment', {}, 'AccessDenied', /Nothing was changed\.$/],
    ['Approval request', { assessment: assessment({ route: 'approval' }) }, 'ServiceException', /Nothing was changed\.$/],
    ['Remediation', { assessment: assessment() }, 'RemediationError', /See the message for what, if anything, was changed\.$/],
    [
      'Verification',
      { assessment: assessment(), change },
      'VerificationFailedError',
      /Changed: Set access key AKIA1 of ci to Inactive; it may need undoing\.$/,
    ],
  ])('still reports a failure of the %s step with its error and what was changed', (step, known, errorName, changed) => {
    // Act
    const result = describeOutcome(v1({ ...known, error: lambdaError(errorName, 'it broke') }), EXECUTION, DAY_S);

    // Assess
    expect(result).toMatchObject({ outcome: 'failed', workflowStatus: 'NOTIFIED', fields: { error: errorName } });
    expect(result.note).toMatch(new RegExp(`^hubfix: ${step} failed \\(${errorName}\\): it broke\\. `));
    expect(result.note).toMatch(changed);
  });

  it('still reports an unanswered approval as timed out', () => {
    // Act
    const result = describeOutcome(
      v1({ assessment: assessment({ route: 'approval' }), error: { Error: 'States.Timeout' } }),
      EXECUTION,
      DAY_S,
    );

    // Assess
    expect(result).toMatchObject({ outcome: 'timed-out', workflowStatus: 'NOTIFIED' });
    expect(result.note).toMatch(/^hubfix: no approval decision within 24 h; nothing was changed\./);
  });
});

describe('describeOutcome for manual-only controls', () => {
  const cases = manualOnlyPlugins.flatMap((plugin) => plugin.securityControlIds.map((controlId) => [controlId, plugin] as const));

  it.each(cases)(
    '%s: NOTIFIED, nothing changed, and the whole note (with the link and every step) fits Security Hub\u2019s limit',
    async (controlId, plugin) => {
      // Prepare: what routing makes of a manual plugin's assessment
      const manualFinding = { ...finding, controlId };
      const result = await plugin.assess(manualFinding, { clients: undefined as never, config: undefined as never, now: () => new Date() });
      const skipped = assessment({
        controlId,
        pluginId: plugin.id,
        route: 'skip',
        skip: 'manual',
        risk: result.risk,
        plan: undefined,
        evidence: result.evidence,
        routeReason: `${controlId} is never changed automatically: ${result.riskReason}`,
      });

      // Act
      const outcome = describeOutcome(state({ finding: manualFinding, assessment: skipped }), EXECUTION, DAY_S);

      // Assess
      expect(outcome).toMatchObject({ outcome: 'skipped', workflowStatus: 'NOTIFIED', fields: { skip: 'manual' } });
      expect(fitNote(outcome.note)).toBe(outcome.note.replace(/\s+/g, ' ').trim());
      expect(outcome.note).toContain(guidanceLink(controlId));
      expect(outcome.note).toMatch(/Steps: 1\) .* 2\) .* 3\) /);
    },
  );
});

describe('causeMessage', () => {
  it.each([
    ['a Lambda error (JSON cause)', { Error: 'X', Cause: '{"errorMessage":"boom","errorType":"X"}' }, 'boom'],
    ['a plain-text cause', { Error: 'States.TaskFailed', Cause: 'plain words' }, 'plain words'],
    ['no cause', { Error: 'States.Timeout' }, 'States.Timeout'],
  ])('reads %s', (_name, error, message) => {
    // Act / Assess
    expect(causeMessage(error)).toBe(message);
  });
});
