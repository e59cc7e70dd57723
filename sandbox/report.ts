import Table from 'cli-table3';
import type { RunReport } from './session';

const shortId = (id: string): string => (id.length > 48 ? `…${id.slice(-47)}` : id);

/** Flattens a snapshot into "account / section / path" → value, so any two snapshots can be compared. */
const flatten = (value: unknown, path: string, out: Map<string, string>): Map<string, string> => {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) flatten(child, path ? `${path} / ${key}` : key, out);
  } else {
    out.set(path, JSON.stringify(value));
  }
  return out;
};

/** Every resource setting that differs: "111111111111 / iam / user/ci-legacy / AKIA…: "Active" → "Inactive"". */
export const changesBetween = (before: RunReport['before'], after: RunReport['after']): string[] => {
  const old = flatten(before, '', new Map());
  const now = flatten(after, '', new Map());
  return [...new Set([...old.keys(), ...now.keys()])]
    .filter((path) => old.get(path) !== now.get(path))
    .map((path) => `${path}: ${old.get(path) ?? 'absent'} → ${now.get(path) ?? 'absent'}`);
};

export const printRunReport = (report: RunReport): void => {
  if (report.ignored) console.log(`Intake ignored the event: ${report.ignored}`);
  const table = new Table({
    head: ['Control', 'Resource', 'Outcome', 'Status', 'Note'],
    colWidths: [9, 40, 12, 10, 70],
    wordWrap: true,
    style: { head: [], border: [] }, // plain text: the report is read in terminals and in CI logs alike
  });
  for (const f of report.findings) table.push([f.controlId, shortId(f.resourceId), f.outcome, f.workflowStatus, f.note]);
  console.log(table.toString());
  const changes = changesBetween(report.before, report.after);
  console.log(changes.length > 0 ? `Changes made:\n${changes.map((c) => `  ${c}`).join('\n')}` : 'No resource was changed.');
};
