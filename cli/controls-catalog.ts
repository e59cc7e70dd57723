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

/** The document with the text between the markers replaced by `table`; throws when the markers are missing. */
export const withControlsSection = (document: string, table: string): string => {
  const start = document.indexOf(CONTROLS_START);
  const end = document.indexOf(CONTROLS_END);
  if (start < 0 || end < start) throw new Error(`The document has no ${CONTROLS_START} … ${CONTROLS_END} section`);
  return `${document.slice(0, start + CONTROLS_START.length)}\n${table}\n${document.slice(end)}`;
};

/** The text between the markers as committed. */
export const controlsSectionOf = (document: string): string | undefined => {
  const start = document.indexOf(CONTROLS_START);
  const end = document.indexOf(CONTROLS_END);
  return start < 0 || end < start ? undefined : document.slice(start + CONTROLS_START.length, end).trim();
};

/** `npm run docs:controls`: rewrites the generated section of each document; returns the files it changed. */
export const writeControlsDocs = (root: string, entries: readonly CatalogEntry[] = controlCatalog()): string[] => {
  const changed: string[] = [];
  for (const doc of CONTROLS_DOCS) {
    const path = join(root, doc);
    if (!existsSync(path)) throw new Error(`${doc} does not exist`);
    const before = readFileSync(path, 'utf8');
    const after = withControlsSection(before, catalogMarkdown(entries));
    if (after !== before) {
      writeFileSync(path, after);
      changed.push(doc);
    }
  }
  return changed;
};
