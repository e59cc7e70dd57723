import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Table from 'cli-table3';
import { plugins as registeredPlugins } from '../functions/controls/registry';
import type { ControlDescription } from '../functions/controls/types';

/**
 * `hubfix controls`: the control registry as a catalog (JSON, a terminal table, or the README's coverage
 * table). The README section between the markers is generated from here by `npm run docs:controls`, and
 * test/controls-catalog.test.ts fails when the committed table differs, so the docs cannot drift.
 */
export const CONTROLS_START = '<!-- controls:start -->';
export const CONTROLS_END = '<!-- controls:end -->';
/** The blind-spot tables (one per control, from its `signals`) live between these. */
export const BLIND_SPOTS_START = '<!-- blind-spots:start -->';
export const BLIND_SPOTS_END = '<!-- blind-spots:end -->';
type Markers = readonly [start: string, end: string];
const CONTROLS_MARKERS: Markers = [CONTROLS_START, CONTROLS_END];
const BLIND_SPOTS_MARKERS: Markers = [BLIND_SPOTS_START, BLIND_SPOTS_END];
/** The documents that carry the generated section, relative to the repository root. */
export const CONTROLS_DOCS = ['README.md'];

export type CatalogEntry = ControlDescription;

/** The facts of each registered plugin, in registry order (no functions: safe to print as JSON). */
export const controlCatalog = (plugins: readonly ControlDescription[] = registeredPlugins): CatalogEntry[] =>
  plugins.map((p) => ({
    id: p.id,
    title: p.title,
    securityControlIds: [...p.securityControlIds],
    cisIds: [...p.cisIds],
    resourceTypes: [...p.resourceTypes],
    assesses: p.assesses,
    changes: p.changes,
    reversible: p.reversible,
    automation: p.automation,
    defaultMode: p.defaultMode,
    signals: p.signals.map((s) => ({ ...s })),
  }));

/** "v1.2.0 1.3, 1.4 · v3.0.0 1.12": CIS references grouped by benchmark version. */
export const cisSummary = (cisIds: readonly string[]): string => {
  const byVersion = new Map<string, string[]>();
  for (const reference of cisIds) {
    const [version, requirement] = reference.split('/');
    byVersion.set(version, [...(byVersion.get(version) ?? []), requirement]);
  }
  return [...byVersion].map(([version, requirements]) => `v${version} ${requirements.join(', ')}`).join(' · ') || '—';
};

const automationLabel = (entry: CatalogEntry): string => (entry.automation === 'manual' ? 'manual only' : 'automated');

/** The terminal table (plain text, no colours: read in terminals and CI logs alike). */
export const catalogTable = (entries: readonly CatalogEntry[]): string => {
  const table = new Table({
    head: ['Plugin', 'Security Hub', 'CIS', 'Assesses', 'Changes', 'Reversible', 'Automation', 'Default mode'],
    colWidths: [26, 11, 16, 36, 36, 11, 11, 9],
    wordWrap: true,
    style: { head: [], border: [] },
  });
  for (const e of entries) {
    table.push([
      `${e.id}\n${e.title}`,
      e.securityControlIds.join(', '),
      cisSummary(e.cisIds),
      e.assesses,
      e.changes,
      e.reversible ? 'yes' : 'no',
      automationLabel(e),
      e.defaultMode,
    ]);
  }
  return table.toString();
};

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

/** The README coverage table (GitHub Markdown). */
export const catalogMarkdown = (entries: readonly CatalogEntry[]): string => {
  const rows = entries.map((e) =>
    [
      `\`${e.id}\` ${e.title}`,
      e.securityControlIds.join(', '),
      cisSummary(e.cisIds),
      e.assesses,
      e.changes,
      e.reversible ? 'yes' : 'no',
      automationLabel(e),
      `\`${e.defaultMode}\``,
    ].map(cell),
  );
  return [
    '| Plugin | Security Hub | CIS | Assesses | Changes | Reversible | Automation | Default mode |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
};

/**
 * The README's blind-spot tables: per automated control, each signal its assessment reads, where from, what that source
 * cannot see, and what the route does when the signal cannot be read. Manual controls read nothing and are listed once.
 */
export const blindSpotsMarkdown = (entries: readonly CatalogEntry[]): string => {
  const sections = entries
    .filter((e) => e.automation === 'automated')
    .map((e) =>
      [
        `#### \`${e.id}\` (${e.securityControlIds.join(', ')}), default mode \`${e.defaultMode}\``,
        '',
        '| Signal | Source | Cannot see | When it cannot be read |',
        '| --- | --- | --- | --- |',
        ...e.signals.map((s) => `| ${[s.signal, s.source, s.blindSpots, s.whenMissing].map(cell).join(' | ')} |`),
      ].join('\n'),
    );
  const manual = entries.filter((e) => e.automation === 'manual').map((e) => `\`${e.id}\``);
  return [...sections, `Manual-only controls read nothing and change nothing: ${manual.join(', ') || 'none'}.`].join('\n\n');
};

/** The document with the text between the markers replaced by `table`; throws when the markers are missing. */
export const withControlsSection = (document: string, table: string, [open, close]: Markers = CONTROLS_MARKERS): string => {
  const start = document.indexOf(open);
  const end = document.indexOf(close);
  if (start < 0 || end < start) throw new Error(`The document has no ${open} … ${close} section`);
  return `${document.slice(0, start + open.length)}\n${table}\n${document.slice(end)}`;
};

/** The text between the markers as committed. */
export const controlsSectionOf = (document: string, [open, close]: Markers = CONTROLS_MARKERS): string | undefined => {
  const start = document.indexOf(open);
  const end = document.indexOf(close);
  return start < 0 || end < start ? undefined : document.slice(start + open.length, end).trim();
};

/** The blind-spot section as committed. */
export const blindSpotsSectionOf = (document: string): string | undefined => controlsSectionOf(document, BLIND_SPOTS_MARKERS);

/** `npm run docs:controls`: rewrites the generated section of each document; returns the files it changed. */
export const writeControlsDocs = (root: string, entries: readonly CatalogEntry[] = controlCatalog()): string[] => {
  const changed: string[] = [];
  for (const doc of CONTROLS_DOCS) {
    const path = join(root, doc);
    if (!existsSync(path)) throw new Error(`${doc} does not exist`);
    const before = readFileSync(path, 'utf8');
    const after = withControlsSection(
      withControlsSection(before, catalogMarkdown(entries)),
      blindSpotsMarkdown(entries),
      BLIND_SPOTS_MARKERS,
    );
    if (after !== before) {
      writeFileSync(path, after);
      changed.push(doc);
    }
  }
  return changed;
};
