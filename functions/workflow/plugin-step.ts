import { loadControl } from '../controls/load-control';
import type { ControlPlugin } from '../controls/types';
import { InvalidInputError } from '../platform/errors';
import type { FindingRef } from '../findings/types';

/** The plugin that assessed this finding (loaded on first use); a later step must use the same one. */
export const pluginOf = async (finding: FindingRef): Promise<ControlPlugin> => {
  const plugin = await loadControl(finding.controlId);
  if (!plugin) throw new InvalidInputError(`No plugin serves control ${finding.controlId}`);
  return plugin;
};
