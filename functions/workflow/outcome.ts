import type { Annotation } from './annotation';
import type { Outcome, StepError } from '../findings/types';
import { FAILED_STEP_LABELS, failureOf, type AnnotatedState } from './workflow-failure';

const HOUR_S = 3600;

/** Step Functions puts a Lambda error's message in Cause as JSON ({errorMessage, errorType}); other causes are text. */
export const causeMessage = (error: StepError): string => {
  if (!error.Cause) return error.Error;
  try {
    const parsed = JSON.parse(error.Cause) as { errorMessage?: string };
    return parsed.errorMessage ?? error.Cause;
  } catch {
    return error.Cause;
  }
};

const decidedBy = (state: AnnotatedState): string =>
  state.approval
    ? `after approval by ${state.approval.approver}${state.approval.reason ? ` ("${state.approval.reason}")` : ''}`
    : 'automatically (low risk)';

const UNEXPECTED_NOTE = 'hubfix: the workflow ended in an unexpected state; nothing is known to have changed. See the execution history.';

/** Turns everything the execution knows into the outcome, workflow status and note written onto the finding. */
export const describeOutcome = (
  state: AnnotatedState,
  executionId: string,
  approvalTimeoutSeconds: number,
): Annotation & { outcome: Outcome } => {
  const { assessment, approval, change, verification } = state;
  const control = state.finding.controlId;
  const fields = {
    execution: executionId,
    control,
    plugin: assessment?.pluginId,
    risk: assessment?.risk,
    approver: approval?.approver,
  };

  const failure = failureOf(state);
  if (failure === 'unreadable') return { outcome: 'failed', workflowStatus: 'NOTIFIED', note: UNEXPECTED_NOTE, fields };
  if (failure) {
    const { step, error } = failure;
    // The approval wait's own timeout: nobody decided. A timeout of any other step is a failure of that step.
    if (step === 'requestApproval' && error.Error === 'States.Timeout') {
      const hours = Math.round((approvalTimeoutSeconds / HOUR_S) * 10) / 10;
      return {
        outcome: 'timed-out',
        workflowStatus: 'NOTIFIED',
        note:
          `hubfix: no approval decision within ${hours} h; nothing was changed. Planned: ${assessment?.plan?.summary ?? 'n/a'}. ` +
          `Why approval was needed: ${assessment?.routeReason ?? 'n/a'}. Run the custom action again to re-request.`,
        fields,
      };
    }
    // A remediation that could not even get into the account (member role missing) changed nothing.
    const changed = change
      ? `Changed: ${change.summary}; it may need undoing.`
      : step === 'remediate' && error.Error !== 'MemberRoleUnavailableError'
        ? 'See the message for what, if anything, was changed.'
        : 'Nothing was changed.';
    return {
      outcome: 'failed',
      workflowStatus: 'NOTIFIED',
      note: `hubfix: ${FAILED_STEP_LABELS[step]} failed (${error.Error}): ${causeMessage(error)}. ${changed}`,
      fields: { ...fields, error: error.Error },
    };
  }
  if (approval?.decision === 'rejected') {
    return {
      outcome: 'rejected',
      workflowStatus: 'NOTIFIED',
      note:
        `hubfix: rejected by ${approval.approver}${approval.reason ? `: "${approval.reason}"` : ''}. Nothing was changed. Would ` +
        `have: ${assessment?.plan?.summary ?? 'n/a'}.`,
      fields,
    };
  }
  if (change && verification && state.action === 'undo') {
    // NOTIFIED, not NEW: the control fails again on purpose, and the automatic path must not redo the fix.
    return {
      outcome: 'undone',
      workflowStatus: 'NOTIFIED',
      note:
        `hubfix: undid its fix ${decidedBy(state)}. ${change.summary}. Verified: ${verification.observed}. The finding stays ` +
        `NOTIFIED so hubfix will not fix it again on its own.`,
      fields,
    };
  }
  if (change && verification) {
    return {
      outcome: 'resolved',
      workflowStatus: 'RESOLVED',
      note:
        `hubfix: fixed ${decidedBy(state)}. ${change.summary}. Verified: ${verification.observed}. Assessment: ` +
        `${assessment?.routeReason ?? ''}`,
      fields,
    };
  }
  if (assessment?.route === 'skip') {
    const planned = assessment.skip === 'plan-only';
    const evidence = assessment.evidence.map((e) => e.fact).join(' ');
    return {
      outcome: planned ? 'planned' : 'skipped',
      // A blocked or manual-only finding still fails and needs a person: NOTIFIED says someone has been told
      // (a manual plugin's evidence, in the note, is the guidance link and the manual steps).
      ...(assessment.skip === 'blocked' || assessment.skip === 'manual' ? { workflowStatus: 'NOTIFIED' as const } : {}),
      // Not applicable is not compliant: the finding still fails and a person decides (replace the resource or suppress).
      ...(assessment.skip === 'not-applicable' ? { workflowStatus: 'NOTIFIED' as const } : {}),
      note: planned
        ? `hubfix plan (nothing changed): ${assessment.plan?.summary ?? 'no change needed'}. Risk ${assessment.risk ?? 'n/a'}. ` +
          `${assessment.routeReason}. ${evidence}`
        : `hubfix did not act: ${assessment.routeReason}. ${evidence}`,
      fields: { ...fields, skip: assessment.skip },
    };
  }
  // Reaching Annotate with none of the above means the definition and this function disagree: say so.
  return { outcome: 'failed', workflowStatus: 'NOTIFIED', note: UNEXPECTED_NOTE, fields };
};
