import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { ControlDescription } from '../functions/controls/types';

/**
 * `npm run controls:index`: the control registry's index, written from the folders of functions/controls/. A folder
 * with a definition.ts is a control (its default export is the defineControl(...) result, its name is the control's
 * id); other folders (shared/) are not. test/controls/registry.test.ts fails when the committed index differs from
 * what the folders give, so a folder cannot go unregistered. No imports from the controls here: the script must run
 * while the index is stale.
 *
 * Three files: the eager index (every definition, for infra, the sandbox and tests), and for the Lambda functions the
 * lazy loaders (one dynamic import per folder: Assess, Remediate and Verify load only the control of their finding) and
 * the summaries (which folder serves each Security Hub control id, its automation and default mode: what intake,
 * Annotate and the approval steps need, without any control's code).
 */

export const CONTROLS_DIR = join(__dirname, '..', 'functions', 'controls');
export const CONTROLS_INDEX = join(CONTROLS_DIR, 'registry.generated.ts');
export const CONTROL_LOADERS = join(CONTROLS_DIR, 'loaders.generated.ts');
export const CONTROL_SUMMARIES = join(CONTROLS_DIR, 'summaries.generated.ts');

const GENERATED = '// Written by `npm run controls:index` from the folders of functions/controls/ that hold a definition.ts: do not edit.';

/** The control folders, sorted (the registry's order, and so the README table's). */
export const controlFolders = (dir: string = CONTROLS_DIR): string[] =>
  readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'definition.ts')))
    .map((entry) => entry.name)
    .sort();

/** "s3-public-access" → "s3PublicAccess". */
const identifierOf = (folder: string): string => {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(folder)) throw new Error(`Control folder "${folder}" is not a lowercase, dash-separated id`);
  return folder.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
};

/** The index for these folders. */
export const controlsIndex = (folders: readonly string[]): string =>
  [
    GENERATED,
    ...folders.map((folder) => `import ${identifierOf(folder)} from './${folder}/definition';`),
    "import type { ControlPlugin } from './types';",
    '',
    '/** The definition of every control folder, in folder order. */',
    'export const definitions: readonly ControlPlugin[] = [',
    ...folders.map((folder) => `  ${identifierOf(folder)},`),
    '];',
    '',
  ].join('\n');

const quoted = (key: string): string => (/^[A-Za-z_$][\w$]*$/.test(key) ? key : `'${key}'`);

/** The lazy loaders for these folders: esbuild keeps each definition (and the SDK clients it imports) unevaluated until asked for. */
export const controlLoaders = (folders: readonly string[]): string =>
  [
    GENERATED,
    "import type { ControlPlugin } from './types';",
    '',
    "/** Each control folder's definition, loaded on first use. */",
    'export const controlLoaders: Readonly<Record<string, () => Promise<{ default: ControlPlugin }>>> = {',
    ...folders.map((folder) => `  ${quoted(folder)}: () => import('./${folder}/definition'),`),
    '};',
    '',
  ].join('\n');

/** The summaries of these definitions, by Security Hub control id in the definitions' order (their ids are not in the folder names). */
export const controlSummaries = (definitions: readonly ControlDescription[]): string =>
  [
    GENERATED,
    "import type { ControlSummary } from './types';",
    '',
    '/** The control serving each Security Hub control id: what the steps that never run a control need to know of it. */',
    'export const controlSummaries: Readonly<Record<string, ControlSummary>> = {',
    ...definitions.flatMap(({ id, automation, defaultMode, securityControlIds }) =>
      securityControlIds.map(
        (controlId) => `  ${quoted(controlId)}: { id: '${id}', automation: '${automation}', defaultMode: '${defaultMode}' },`,
      ),
    ),
    '};',
    '',
  ].join('\n');

const writeIfChanged = (file: string, wanted: string): boolean => {
  if (existsSync(file) && readFileSync(file, 'utf8') === wanted) return false;
  writeFileSync(file, wanted);
  return true;
};

/**
 * Rewrites the index and the loaders (registry.generated.ts, loaders.generated.ts in dir) when the folders changed;
 * returns whether it did.
 */
export const writeControlsIndex = (dir: string = CONTROLS_DIR): boolean => {
  const folders = controlFolders(dir);
  const index = writeIfChanged(join(dir, 'registry.generated.ts'), controlsIndex(folders));
  return writeIfChanged(join(dir, 'loaders.generated.ts'), controlLoaders(folders)) || index;
};

/** Rewrites the summaries from the definitions themselves (loaded folder by folder, not through the index). */
const writeControlSummaries = (): boolean => {
  const definitions = controlFolders().map(
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the folders are only known at run time
    (folder) => (require(join(CONTROLS_DIR, folder, 'definition')) as { default: ControlDescription }).default,
  );
  return writeIfChanged(CONTROL_SUMMARIES, controlSummaries(definitions));
};

// Run as a script (`node bin/run-ts.js sandbox/controls-index.ts`), not when a test imports it.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === __filename) {
  const changed = writeControlsIndex();
  const summaries = writeControlSummaries();
  console.log(changed || summaries ? `Wrote ${relative(process.cwd(), CONTROLS_DIR)}/*.generated.ts` : 'The controls index is up to date');
}
