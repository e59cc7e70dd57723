import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plugins } from '../../functions/controls/registry';
import {
  CONTROL_LOADERS,
  CONTROL_SUMMARIES,
  CONTROLS_DIR,
  CONTROLS_INDEX,
  controlFolders,
  controlLoaders,
  controlsIndex,
  controlSummaries,
  writeControlsIndex,
} from '../../sandbox/controls-index';
import { loadControl } from '../../functions/controls/load-control';
import { summaryFor } from '../../functions/controls/control-summary';

/**
 * A control is one folder: functions/controls/<id>/definition.ts (its defineControl), its unit test and its scenario.
 * The registry is the index written from the folders, so a folder that is not registered fails here.
 */
describe('the control registry', () => {
  it('is the index the control folders give (run `npm run controls:index` after adding or removing a folder)', () => {
    // Act
    const committed = readFileSync(CONTROLS_INDEX, 'utf8');

    // Assess
    expect(committed).toBe(controlsIndex(controlFolders()));
  });

  it('loads lazily from the loaders the folders give, and summarizes from what the definitions say (run `npm run controls:index`)', () => {
    // Act
    const loaders = readFileSync(CONTROL_LOADERS, 'utf8');
    const summaries = readFileSync(CONTROL_SUMMARIES, 'utf8');

    // Assess
    expect(loaders).toBe(controlLoaders(controlFolders()));
    expect(summaries).toBe(controlSummaries(plugins));
  });

  it('loads, for each Security Hub control id, the very control the registry holds, and nothing for an unknown id', async () => {
    // Act
    const loaded = await Promise.all(
      plugins.flatMap((plugin) => plugin.securityControlIds.map(async (id) => [id, (await loadControl(id))?.id, plugin.id])),
    );

    // Assess
    expect(loaded.filter(([, got, wanted]) => got !== wanted)).toEqual([]);
    expect(await loadControl('IAM.999')).toBeUndefined();
    expect(await loadControl('constructor')).toBeUndefined();
    expect(summaryFor('toString')).toBeUndefined();
  });

  it('registers each folder once, under the folder’s name, in folder order', () => {
    // Assess
    expect(plugins.map((plugin) => plugin.id)).toEqual(controlFolders());
  });

  it('lets no Security Hub control id be served by two controls', () => {
    // Act
    const ids = plugins.flatMap((plugin) => plugin.securityControlIds);

    // Assess
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it('finds a unit test and a scenario (organization and event) in the folder of every control that changes something', () => {
    // Prepare
    const missing: string[] = [];

    // Act
    for (const plugin of plugins.filter((p) => p.automation !== 'manual')) {
      const folder = join(CONTROLS_DIR, plugin.id);
      const files = readdirSync(folder);
      if (!files.some((file) => file.endsWith('.test.ts'))) missing.push(`${plugin.id}: a unit test (${plugin.id}.test.ts)`);
      for (const file of ['scenario.json', 'scenario-event.json']) if (!files.includes(file)) missing.push(`${plugin.id}: ${file}`);
    }

    // Assess
    expect(missing).toEqual([]);
  });

  it('does not take folders without a definition for controls (shared/)', () => {
    // Assess
    expect(existsSync(join(CONTROLS_DIR, 'shared'))).toBe(true);
    expect(controlFolders()).not.toContain('shared');
  });

  describe('written from a folder tree', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'hubfix-controls-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const addFolder = (name: string): void => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'definition.ts'), 'export default {};\n');
    };

    it('differs from the committed index as soon as a folder is added, and lists the new folder once rewritten', () => {
      // Prepare
      addFolder('kms-key-rotation');
      mkdirSync(join(dir, 'shared'));
      const file = join(dir, 'registry.generated.ts');
      const loaders = join(dir, 'loaders.generated.ts');
      writeControlsIndex(dir);
      const before = readFileSync(file, 'utf8');
      addFolder('account-contacts');

      // Act
      const stale = before === controlsIndex(controlFolders(dir));
      const rewritten = writeControlsIndex(dir);
      const again = writeControlsIndex(dir);

      // Assess
      expect(stale).toBe(false);
      expect({ rewritten, again }).toEqual({ rewritten: true, again: false });
      expect(readFileSync(file, 'utf8')).toContain("import accountContacts from './account-contacts/definition';");
      expect(readFileSync(loaders, 'utf8')).toContain("'account-contacts': () => import('./account-contacts/definition'),");
      expect(readFileSync(file, 'utf8') + readFileSync(loaders, 'utf8')).not.toContain('shared');
    });

    it('refuses a folder whose name is not a control id', () => {
      // Prepare
      addFolder('Bad_Name');

      // Act / Assess
      expect(() => controlsIndex(controlFolders(dir))).toThrow('Control folder "Bad_Name" is not a lowercase, dash-separated id');
    });
  });
});
