import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/**
 * `npm run controls:index`: the control registry's index, written from the folders of functions/controls/. A folder
 * with a definition.ts is a control (its default export is the defineControl(...) result, its name is the control's
 * id); other folders (shared/) are not. test/controls/registry.test.ts fails when the committed index differs from
 * what the folders give, so a folder cannot go unregistered. No imports from the controls here: the script must run
 * while the index is stale.
 */

export const CONTROLS_DIR = join(__dirname, '..', 'functions', 'controls');
export const CONTROLS_INDEX = join(CONTROLS_DIR, 'registry.generated.ts');

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
    '// Written by `npm run controls:index` from the folders of functions/controls/ that hold a definition.ts: do not edit.',
    ...folders.map((folder) => `import ${identifierOf(folder)} from './${folder}/definition';`),
    "import type { ControlPlugin } from './types';",
    '',
    '/** The definition of every control folder, in folder order. */',
    'export const definitions: readonly ControlPlugin[] = [',
    ...folders.map((folder) => `  ${identifierOf(folder)},`),
    '];',
    '',
  ].join('\n');

/** Rewrites the index when the folders changed; returns whether it did. */
export const writeControlsIndex = (dir: string = CONTROLS_DIR, file: string = CONTROLS_INDEX): boolean => {
  const wanted = controlsIndex(controlFolders(dir));
  if (existsSync(file) && readFileSync(file, 'utf8') === wanted) return false;
  writeFileSync(file, wanted);
  return true;
};

// Run as a script (`node bin/run-ts.js sandbox/controls-index.ts`), not when a test imports it.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === __filename) {
  const changed = writeControlsIndex();
  console.log(changed ? `Wrote ${relative(process.cwd(), CONTROLS_INDEX)}` : 'The controls index is up to date');
}
