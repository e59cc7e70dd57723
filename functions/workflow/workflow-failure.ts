import { FAILED_STEPS, type FailedStep, type RunState, type StepError, type WorkflowState } from '../findings/types';

/** The step that failed, as the definition recorded it, and the error its Catch saw. */
export interface Failure {
  step: FailedStep;
  error: StepError;
}

/** How the note and the audit record name each step. */
export const FAILED_STEP_LABELS: Readonly<Record<FailedStep, string>> = {
  assess: 'Assessment',
  requestApproval: 'Approval request',
  remediate: 'Remediation',
  verify: 'Verification',
};

/**
 * A state written by definition version 1, before each Catch named its step: every Catch wrote `$.error`. Those
 * definitions invoke the functions unqualified ($LATEST), so an execution started before the upgrade that brought
 * `$.failure` reaches the new Annotate with this shape; the last one ends within the execution timeout (8 days).
 */
export interface WorkflowStateV1 extends RunState {
  error: StepError;
  failure?: undefined;
}

/** What Annotate may receive: the current state, or a version 1 state from an execution started before the upgrade. */
export type AnnotatedState = WorkflowState | WorkflowStateV1;

const isFailedStep = (key: string): key is FailedStep => (FAILED_STEPS as readonly string[]).includes(key);

/**
 * Version 1 did not record the step, so its reader tells it from what the execution had recorded when the Catch
 * fired (the only place hubfix still infers it, for executions that started before the upgrade).
 */
const version1Step = (state: WorkflowStateV1): FailedStep => {
  if (!state.assessment) return 'assess';
  if (state.assessment.route === 'approval' && !state.approval) return 'requestApproval';
  if (!state.change) return 'remediate';
  return 'verify';
};

/**
 * The failure a Catch recorded under `$.failure.<step>`, read as it was written; undefined when no step failed.
 * A `failure` naming no step this version knows is returned as `unreadable`: Annotate then says the state was
 * unexpected rather than report a success or guess a step.
 */
export const failureOf = (state: AnnotatedState): Failure | 'unreadable' | undefined => {
  if (state.failure) {
    const recorded = Object.entries(state.failure as Record<string, StepError | undefined>).filter(
      (entry): entry is [FailedStep, StepError] => isFailedStep(entry[0]) && entry[1] !== undefined,
    );
    return recorded.length === 1 ? { step: recorded[0][0], error: recorded[0][1] } : 'unreadable';
  }
  if ('error' in state && state.error) return { step: version1Step(state), error: state.error };
  return undefined;
};
