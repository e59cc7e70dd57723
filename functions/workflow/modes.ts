import { summarizedControlIds, summaryFor } from '../controls/control-summary';
import type { ControlMode, HubfixConfig } from '../platform/config';

/** A control's mode: the configuration's word for it, else its control's default; undefined when no control serves it. */
export const controlMode = (controlId: string, config: HubfixConfig): ControlMode | undefined => {
  const summary = summaryFor(controlId);
  if (!summary) return undefined;
  return config.controls[controlId] ?? summary.defaultMode;
};

/**
 * The controls whose imported findings start a run without anyone clicking: mode "auto" and a control that
 * automates ("on-request" routes by the assessment too, but only when an analyst asks: never here). The CDK app
 * narrows the Findings Imported rule to exactly these; intake checks again.
 */
export const automaticControlIds = (config: HubfixConfig): string[] =>
  summarizedControlIds()
    .filter(([, summary]) => summary.automation === 'automated')
    .map(([controlId]) => controlId)
    .filter((controlId) => controlMode(controlId, config) === 'auto')
    .sort();
