import { pluginFor } from '../controls/registry';
import type { ControlPlugin } from '../controls/types';
import { InvalidInputError } from '../platform/errors';
import type { FindingRef } from '../findings/types';

/** The plugin that assessed this finding; a later step must use the same one. */
export const pluginOf = (finding: FindingRef): ControlPlugin => {
  const plugin = pluginFor(finding.controlId);
  if (!plugin) throw new InvalidInputError(`No plugin serves control ${finding.controlId}`);
  return plugin;
};
