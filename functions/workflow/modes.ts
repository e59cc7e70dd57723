import { pluginFor, plugins } from '../controls/registry';
import type { ControlMode, HubfixConfig } from '../platform/config';

/** A control's mode: the configuration's word for it, else its plugin's default; undefined when no plugin serves it. */
export const controlMode = (controlId: string, config: HubfixConfig): ControlMode | undefined => {
  const plugin = pluginFor(controlId);
  if (!plugin) return undefined;
  return config.controls[controlId] ?? plugin.defaultMode;
};

/**
 * The controls whose imported findings start a run without anyone clicking: mode "auto" and a plugin
 * that automates ("on-request" routes by the assessment too, but only when an analyst asks: never here). The CDK app narrows the Findings Imported rule to exactly these; intake checks again.
 */
export const automaticControlIds = (config: HubfixConfig): string[] =>
  plugins
    .filter((plugin) => plugin.automation === 'automated')
    .flatMap((plugin) => plugin.securityControlIds)
    .filter((controlId) => controlMode(controlId, config) === 'auto')
    .sort();
