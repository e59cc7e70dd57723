import { definitions } from './registry.generated';
import type { ControlPlugin } from './types';

/**
 * Every control hubfix knows: one per folder of functions/controls/ holding a definition.ts, listed in
 * registry.generated.ts (`npm run controls:index` writes it; test/controls/registry.test.ts fails when a folder is
 * missing from it). Adding a control is adding a folder.
 */
export const plugins: readonly ControlPlugin[] = definitions;

const bySecurityControlId = new Map(plugins.flatMap((plugin) => plugin.securityControlIds.map((id) => [id, plugin] as const)));

/** The plugin serving a Security Hub control id such as "IAM.3", if any. */
export const pluginFor = (controlId: string): ControlPlugin | undefined => bySecurityControlId.get(controlId);
