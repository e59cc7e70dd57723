import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Table from 'cli-table3';
import { Option, type Command } from 'commander';
import type { HubfixConfig } from '../functions/platform/config';
import { selectedChanges } from '../functions/hygiene/audit';
import { reversal } from '../functions/hygiene/batch';
import { standardName } from '../functions/hygiene/standards';
import type { AuditReport, HygieneBatchInput, HygieneKind, HygieneRunRecord } from '../functions/hygiene/types';
import { loadConfigFile } from '../infra/build-app';
import { loadFixture, type Fixture } from './fixture';
import { HygieneCloud, organizationTargets, type HygieneRunReport } from './hygiene-cloud';

/**
 * `hubfix controls audit | disable | enable`: the control-hygiene audit and batch workflow against a simulated
 * organization (the synthesized hygiene state machine, real handlers, the real approval page).
 */
export const ORGANIZATION_FIXTURE = join(__dirname, 'fixtures', 'organization-controls.json');
const KINDS: HygieneKind[] = ['global-outside-home-region', 'duplicate-across-standards', 'no-resources'];

const auditTable = (report: AuditReport): string => {
  const regions = new Table({
    head: ['Account', 'Region', 'Consolidated', 'Enabled', 'Proposed', 'Failed before', 'Failed after'],
    style: { head: [], border: [] },
  });
  for (const r of report.regions) {
    regions.push([
      r.accountId,
      `${r.region}${r.homeRegion ? ' (home)' : ''}`,
      r.skipped ? '-' : r.consolidatedFindings ? 'on' : 'off',
      r.skipped ? 'Security Hub off' : r.enabledAssociations,
      r.candidates.filter((c) => c.selected).length,
      r.failedFindingsBefore,
      r.failedFindingsAfter,
    ]);
  }
  const candidates = new Table({
    head: ['Account', 'Region', 'Control', 'Standard', 'Why', 'Failed findings', 'Selected'],
    colWidths: [14, 11, 14, 24, 60, 9, 9],
    wordWrap: true,
    style: { head: [], border: [] },
  });
  for (const c of report.regions.flatMap((r) => r.candidates)) {
    candidates.push([
      c.accountId,
      c.region,
      c.securityControlId,
      standardName(c.standardsArn),
      c.why,
      c.failedFindings,
      c.selected ? 'yes' : 'no',
    ]);
  }
  const t = report.totals;
  return (
    `${regions.toString()}\n${candidates.toString()}\n${t.selected} of ${t.candidates} control associations selected; failed ` +
    `findings ${t.failedFindingsBefore} -> ${t.failedFindingsAfter}`
  );
};

const runSummary = (report: HygieneRunReport): string => {
  const record = report.record;
  const lines = [
    `Execution ${report.execution.name}: ${report.execution.status}${record ? ` (${record.status})` : ''}`,
    ...report.emails.map((e) => `Approval email "${e.subject ?? ''}": ${e.answer ?? ''}`),
    ...(record
      ? [
          `Changed ${record.counts.changed}, unchanged ${record.counts.unchanged}, failed ${record.counts.failed} of ` +
            `${record.counts.requested}`,
        ]
      : []),
    `Failed findings: ${report.failedFindings.totalBefore} -> ${report.failedFindings.totalAfter}`,
  ];
  return lines.join('\n');
};

const approverPolicy = (decision: 'approve' | 'reject') => () => ({
  decision,
  approver: 'hubfix CLI',
  reason: decision === 'reject' ? 'Rejected from the hubfix CLI' : 'Approved from the hubfix CLI',
});

interface Common {
  account: string;
  json?: boolean;
}

const withCloud = async <T>(fixture: Fixture, config: HubfixConfig, use: (cloud: HygieneCloud) => Promise<T>): Promise<T> => {
  const cloud = await HygieneCloud.start({ fixture, config, retryIntervalMs: 0 });
  try {
    return await use(cloud);
  } finally {
    await cloud.stop();
  }
};

/**
 * Adds `audit`, `disable` and `enable` under `hubfix controls`. `controls` has its own `--json`, which commander
 * gives the parent wherever it appears: the actions read the options with the parent's (optsWithGlobals).
 */
export const registerHygieneCommands = (controls: Command, configFile: () => string, setExitCode: (code: number) => void): void => {
  controls
    .command('audit')
    .description(
      'Per account and region: enabled controls that are redundant or unnecessary, why, and the failed findings they would remove. ' +
        'Changes nothing.',
    )
    .option('--account <fixture>', 'simulated organization fixture', ORGANIZATION_FIXTURE)
    .option('--json', 'machine-readable output')
    .action(async (_options: Common, command: Command) => {
      const options = command.optsWithGlobals<Common>();
      const fixture = loadFixture(options.account);
      const report = await withCloud(fixture, loadConfigFile(configFile()), (cloud) =>
        cloud.audit(organizationTargets(fixture), fixture.homeRegion),
      );
      console.log(options.json ? JSON.stringify(report, null, 2) : auditTable(report));
    });

  controls
    .command('disable')
    .description('Audit, then run the control-hygiene workflow on the selected controls: one approval for the batch, every change recorded')
    .option('--account <fixture>', 'simulated organization fixture', ORGANIZATION_FIXTURE)
    .addOption(new Option('--approve', 'approve the batch without waiting for a person').conflicts('reject'))
    .option('--reject', 'reject the batch')
    .addOption(new Option('--include <kind...>', 'also disable candidates not selected by default').choices(KINDS))
    .option('--out <file>', 'write the change record (the input of `controls enable --from`)')
    .option('--json', 'machine-readable output')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<Common & { approve?: boolean; reject?: boolean; include?: HygieneKind[]; out?: string }>();
      if (!options.approve && !options.reject) throw new Error('Say --approve or --reject: the sandbox answers the approval email for you');
      const fixture = loadFixture(options.account);
      const result = await withCloud(fixture, loadConfigFile(configFile()), async (cloud) => {
        const audit = await cloud.audit(organizationTargets(fixture), fixture.homeRegion);
        const batch: HygieneBatchInput = {
          mode: 'disable',
          requestedBy: 'hubfix controls disable',
          changes: selectedChanges(audit, options.include ?? []),
        };
        return { audit: audit.totals, run: await cloud.run(batch, approverPolicy(options.approve ? 'approve' : 'reject')) };
      });
      if (options.out && result.run.record) writeFileSync(options.out, `${JSON.stringify(result.run.record, null, 2)}\n`);
      console.log(options.json ? JSON.stringify(result, null, 2) : runSummary(result.run));
      setExitCode(result.run.execution.status === 'SUCCEEDED' ? 0 : 1);
    });

  controls
    .command('enable')
    .description(
      'Re-enable every control a control-hygiene run disabled (the same workflow in enable mode; no approval needed to restore coverage)',
    )
    .requiredOption('--from <file>', 'the change record of the run to undo (`controls disable --out`, or the execution output)')
    .option('--account <fixture>', 'simulated organization fixture', ORGANIZATION_FIXTURE)
    .option('--json', 'machine-readable output')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<Common & { from: string }>();
      const record = JSON.parse(readFileSync(options.from, 'utf8')) as HygieneRunRecord;
      if (record.kind !== 'hubfix-control-hygiene') throw new Error(`${options.from} is not a control-hygiene change record`);
      const fixture = loadFixture(options.account);
      const run = await withCloud(fixture, loadConfigFile(configFile()), async (cloud) => {
        // The sandbox starts from the fixture: replay the recorded run first, so there is something to undo.
        await cloud.replay(record);
        return cloud.run(reversal(record, 'hubfix controls enable'), () => 'wait');
      });
      console.log(options.json ? JSON.stringify(run, null, 2) : runSummary(run));
      setExitCode(run.execution.status === 'SUCCEEDED' ? 0 : 1);
    });
};
