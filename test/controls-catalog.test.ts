import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { plugins } from '../functions/controls/registry';
import {
  catalogMarkdown,
  catalogTable,
  cisSummary,
  controlCatalog,
  controlsSectionOf,
  CONTROLS_DOCS,
  CONTROLS_END,
  CONTROLS_START,
  withControlsSection,
  blindSpotsMarkdown,
  blindSpotsSectionOf,
  type CatalogEntry,
} from '../cli/controls-catalog';
import { main } from '../cli/main';

const ROOT = join(__dirname, '..');
const entry = (overrides: Partial<CatalogEntry> = {}): CatalogEntry => ({
  id: 'demo',
  title: 'Demo control',
  securityControlIds: ['X.1', 'X.2'],
  cisIds: ['1.2.0/1.3', '1.4.0/1.12', '1.4.0/1.14'],
  resourceTypes: ['AwsAccount'],
  assesses: 'reads a | b',
  changes: 'changes\nthings',
  reversible: true,
  automation: 'automated',
  defaultMode: 'auto',
  signals: [{ signal: 'who calls it', source: 'an API | another', blindSpots: 'other\nregions', whenMissing: 'a person decides' }],
  ...overrides,
});

describe('control catalog', () => {
  it('lists every registered plugin with the facts `hubfix controls` shows, and nothing executable', () => {
    // Act
    const catalog = controlCatalog();

    // Assess
    expect(catalog.map((c) => c.id)).toEqual(plugins.map((p) => p.id));
    expect(JSON.parse(JSON.stringify(catalog))).toEqual(catalog);
    const manual = catalog.find((c) => c.id === 'root-account-credentials');
    expect(manual).toMatchObject({
      securityControlIds: ['IAM.4', 'IAM.6', 'IAM.9'],
      automation: 'manual',
      defaultMode: 'plan',
      reversible: false,
    });
  });

  it('groups CIS references by benchmark version', () => {
    // Act / Assess
    expect(cisSummary(['1.2.0/1.3', '1.4.0/1.12', '1.4.0/1.14'])).toBe('v1.2.0 1.3 · v1.4.0 1.12, 1.14');
    expect(cisSummary([])).toBe('—');
  });

  it('renders one Markdown row per plugin, escaping pipes and line breaks', () => {
    // Act
    const markdown = catalogMarkdown([entry(), entry({ id: 'manual-demo', automation: 'manual', defaultMode: 'plan', reversible: false })]);

    // Assess
    const lines = markdown.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toBe(
      '| `demo` Demo control | X.1, X.2 | v1.2.0 1.3 · v1.4.0 1.12, 1.14 | reads a \\| b | changes things | yes | automated | `auto` |',
    );
    expect(lines[3]).toMatch(/\| no \| manual only \| `plan` \|$/);
  });

  it('renders a plain-text terminal table', () => {
    // Act
    const table = catalogTable([entry()]);

    // Assess
    expect(table).toContain('Demo control');
    expect(table).not.toContain(`${String.fromCharCode(27)}[`); // no colour codes
  });

  it('replaces only the text between the markers', () => {
    // Prepare
    const document = `# Title\n\n${CONTROLS_START}\nold table\n${CONTROLS_END}\n\n## Next\n`;

    // Act
    const updated = withControlsSection(document, 'new table');

    // Assess
    expect(updated).toBe(`# Title\n\n${CONTROLS_START}\nnew table\n${CONTROLS_END}\n\n## Next\n`);
    expect(withControlsSection(updated, 'new table')).toBe(updated);
    expect(() => withControlsSection('# no markers', 'x')).toThrow(/has no <!-- controls:start -->/);
  });

  it.each(CONTROLS_DOCS)(
    '%s: the committed controls table is the generated one (run `npm run docs:controls` after changing a plugin)',
    (doc) => {
      // Prepare
      const committed = controlsSectionOf(readFileSync(join(ROOT, doc), 'utf8'));

      // Assess
      expect(committed).toBe(catalogMarkdown(controlCatalog()));
    },
  );
});

describe('blind-spot tables', () => {
  it('renders one table per automated control from its signals, escaping pipes and line breaks, and lists manual ones once', () => {
    // Act
    const markdown = blindSpotsMarkdown([entry(), entry({ id: 'manual-demo', automation: 'manual', defaultMode: 'plan', signals: [] })]);

    // Assess
    expect(markdown.split('\n')).toEqual([
      '#### `demo` (X.1, X.2), default mode `auto`',
      '',
      '| Signal | Source | Cannot see | When it cannot be read |',
      '| --- | --- | --- | --- |',
      '| who calls it | an API \\| another | other regions | a person decides |',
      '',
      'Manual-only controls read nothing and change nothing: `manual-demo`.',
    ]);
  });

  it('every automated control names at least one signal, each with its source, blind spots and what a missing one does', () => {
    // Act
    const automated = controlCatalog().filter((c) => c.automation === 'automated');

    // Assess
    for (const control of automated) {
      expect(control.signals.length).toBeGreaterThan(0);
      for (const s of control.signals)
        expect([s.signal, s.source, s.blindSpots, s.whenMissing].every((t) => t.trim().length > 0)).toBe(true);
    }
  });

  it.each(CONTROLS_DOCS)('%s: the committed blind-spot tables are the generated ones (run `npm run docs:controls`)', (doc) => {
    // Prepare
    const committed = blindSpotsSectionOf(readFileSync(join(ROOT, doc), 'utf8'));

    // Assess
    expect(committed).toBe(blindSpotsMarkdown(controlCatalog()));
  });
});

describe('hubfix controls', () => {
  const printed = async (args: string[]): Promise<string> => {
    const lines: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      await main(['node', 'hubfix', 'controls', ...args]);
    } finally {
      log.mockRestore();
    }
    return lines.join('\n');
  };

  it('--json prints the catalog', async () => {
    // Act
    const output = await printed(['--json']);

    // Assess
    expect(JSON.parse(output)).toEqual(controlCatalog());
  });

  it('--markdown prints the README table, and the default is the terminal table', async () => {
    // Act
    const markdown = await printed(['--markdown']);
    const table = await printed([]);

    // Assess
    expect(markdown).toBe(catalogMarkdown(controlCatalog()));
    expect(table).toBe(catalogTable(controlCatalog()));
  });
});
