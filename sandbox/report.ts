import Table from 'cli-table3';
import type { RunReport } from './session';

const shortId = (id: string): string => (id.length > 48 ? `…${id.slice(-47)}` : id);

/** Differences between two snapshots: "111111111111 iam ci-legacy AKIA…: Active → Inactive". */
export const changesBetween = (before: RunReport['before'], after: RunReport['after']): string[] =>
  Object.entries(after).flatMap(([accountId, account]) =>
    Object.entries(account.iam).flatMap(([user, keys]) =>
      Object.entries(keys)
        .filter(([keyId, status]) => before[accountId]?.iam[user]?.[keyId] !== status)
        .map(([keyId, status]) => `${accountId} IAM user ${user}, key ${keyId}: ${before[accountId]?.iam[user]?.[keyId] ?? 'absent'} → ${status}`),
    ),
  );

export const printRunReport = (report: RunReport): void => {
  if (report.ignored) console.log(`Intake ignored the event: ${report.ignored}`);
  const table = new Table({
    head: ['Control', 'Resource', 'Outcome', 'Status', 'Note'],
    colWidths: [9, 40, 12, 10, 70],
    wordWrap: true,
  });
  for (const f of report.findings) table.push([f.controlId, shortId(f.resourceId), f.outcome, f.workflowStatus, f.note]);
  console.log(table.toString());
  const changes = changesBetween(report.before, report.after);
  console.log(changes.length > 0 ? `Changes made:\n${changes.map((c) => `  ${c}`).join('\n')}` : 'No resource was changed.');
};
