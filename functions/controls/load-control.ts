import { summaryFor } from './control-summary';
import { controlLoaders } from './loaders.generated';
import type { ControlPlugin } from './types';

/**
 * The control serving a Security Hub control id, loaded on first use: Assess, Remediate and Verify evaluate the code of
 * the control of the finding at hand (and the SDK clients it imports), never the other controls'. Undefined when no
 * control serves the id.
 */
export const loadControl = async (controlId: string): Promise<ControlPlugin | undefined> => {
  const summary = summaryFor(controlId);
  const load = summary && Object.hasOwn(controlLoaders, summary.id) ? controlLoaders[summary.id] : undefined;
  return load ? (await load()).default : undefined;
};
