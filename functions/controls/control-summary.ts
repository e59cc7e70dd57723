import { controlSummaries } from './summaries.generated';
import type { ControlSummary } from './types';

/**
 * What the steps that never run a control (intake, Annotate, RequestApproval, the approval API) know of the control
 * serving a Security Hub control id, from the generated summaries: importing this loads no control code and no SDK client.
 */
export const summaryFor = (controlId: string): ControlSummary | undefined =>
  Object.hasOwn(controlSummaries, controlId) ? controlSummaries[controlId] : undefined;

/** Every Security Hub control id a control serves, with its summary. */
export const summarizedControlIds = (): [string, ControlSummary][] => Object.entries(controlSummaries);
