import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import Table from 'cli-table3';
import { Option, type Command } from 'commander';
import type { HubfixConfig } from '../functions/platform/config';
import { auditOrganization } from '../functions/hygiene/audit';
import { selectedChanges } from '../functions/hygiene/audit';
import { reversal } from '../functions/hygiene/batch';
import { standardName } from '../functions/hygiene/standards';
import type { AuditReport, HygieneBatchInput, HygieneKind, HygieneRunRecord } from '../functions/hygiene/types';
import { loadConfigFile } from '../infra/build-app';
import { loadFixture, type Fixture } from '../sandbox/fixture';
import { SANDBOX_APPROVER, sandboxOperator } from '../sandbox/session';
import type { Requester } from '../functions/findings/requester';
import { callerRequester, requestedByLabel } from './caller';
import { auditSandbox, organizationTargets, replayHygieneRun, runHygieneBatch, type HygieneRunReport } from '../sandbox/hygiene-session';
import { LocalCloud } from '../sandbox/local-cloud';
import { clientSettings, outputOf, targetsDeployment, withAwsOptions, type AwsOptions, type Deployment } from './aws';
import { findDeployment, inspectClients, memberScope, scopeTargets } from './deployment';

/**
 * `hubfix controls audit | disable | enable`: the control-hygiene audit and batch workflow, against a deployment
 * (`--profile` / `--region` / `--stack`: the audit reads with inspect permissions only, disable and enable start the
 * deployed hygiene state machine and the approvers decide by email) or, by default, against a simulated organization
 * (the synthesized hygiene state machine, real handlers, the real approval page).
 */
export const ORGANIZATION_FIXTURE = join(__dirname, '..', 'sandbox', 'fixtures', 'organization-controls.json');
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
  approver: SANDBOX_APPROVER,
  reason: decision === 'reject' ? 'Rejected from the hubfix CLI' : 'Approved from the hubfix CLI',
});

interface Common extends AwsOptions {
  account: string;
  json?: boolean;
  ownCredentials?: boolean;
  regions?: string[];
}

const withCloud = async <T>(fixture: Fixture, config: HubfixConfig, use: (cloud: LocalCloud) => Promise<T>): Promise<T> => {
  const cloud = await LocalCloud.start({ fixture, config, retryIntervalMs: 0 });
  try {
    return await use(cloud);
  } finally {
    await cloud.stop();
  }
};

/** The audit of the deployment's accounts and regions, read with inspect permissions only. */
const auditDeployment = async (options: Common, config: HubfixConfig): Promise<{ deployment: Deployment; report: AuditReport }> => {
  const deployment = await findDeployment(options);
  const clients = inspectClients(deployment, options, options.ownCredentials);
  const scope = await memberScope(config, deployment, clients.home(SecurityHubClient), options.regions);
  const targets = options.ownCredentials ? scopeTargets(deployment, { ...scope, accounts: [] }) : scopeTargets(deployment, scope);
  return { deployment, report: await auditOrganization(clients, targets, { homeRegion: deployment.region, now: new Date() }) };
};

/** Starts the deployed control-hygiene state machine on a batch; the approvers get the email. */
const startDeployedBatch = async (options: Common, deployment: Deployment, batch: HygieneBatchInput): Promise<string> => {
  const sfn = new SFNClient(clientSettings(options, deployment.region));
  try {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: outputOf(deployment, 'ControlHygieneStateMachineArn'),
        name: `hygiene-${Date.now()}`,
        input: JSON.stringify(batch),
      }),
    );
    return String(executionArn);
  } finally {
    sfn.destroy();
  }
};

const deployedRunSummary = (executionArn: string, batch: HygieneBatchInput): string =>
  [
    `Started ${executionArn}: ${batch.mode} ${batch.changes.length} control association${batch.changes.length === 1 ? '' : 's'}.`,
    batch.mode === 'disable'
      ? 'The approvers got one email for the batch; nothing changes until one of them approves it.'
      : 'Re-enabling restores coverage: no approval is needed.',
    `Its output is the change record (aws stepfunctions describe-execution --execution-arn ${executionArn} --query output).`,
  ].join('\n');

const deploymentOptions = (command: Command): Command =>
  withAwsOptions(command)
    .option('--own-credentials', 'read with your own credentials (your account only) instead of assuming hubfix-admin-inspect')
    .option('--regions <region...>', 'more regions to audit than the home region and the aggregator-linked ones');

/**
 * Adds `audit`, `disable` and `enable` under `hubfix controls`. `controls` has its own `--json`, which commander
 * gives the parent wherever it appears: the actions read the options with the parent's (optsWithGlobals).
 */
export const registerHygieneCommands = (controls: Command, configFile: () => string, setExitCode: (code: number) => void): void => {
  deploymentOptions(controls.command('audit'))
    .description(
      'Per account and region: enabled controls that are redundant or unnecessary, why, and the failed findings they would remove. ' +
        'Changes nothing.',
    )
    .option('--account <fixture>', 'simulated organization fixture (sandbox)', ORGANIZATION_FIXTURE)
    .option('--json', 'machine-readable output')
    .action(async (_options: Common, command: Command) => {
      const options = command.optsWithGlobals<Common>();
      const config = loadConfigFile(configFile());
      let report: AuditReport;
      if (targetsDeployment(options)) report = (await auditDeployment(options, config)).report;
      else {
        const fixture = loadFixture(options.account);
        report = await withCloud(fixture, config, (cloud) => auditSandbox(cloud, organizationTargets(fixture), fixture.homeRegion));
      }
      console.log(options.json ? JSON.stringify(report, null, 2) : auditTable(report));
    });

  deploymentOptions(controls.command('disable'))
    .description('Audit, then run the control-hygiene workflow on the selected controls: one approval for the batch, every change recorded')
    .option('--account <fixture>', 'simulated organization fixture (sandbox)', ORGANIZATION_FIXTURE)
    .addOption(new Option('--approve', 'approve the batch without waiting for a person').conflicts('reject'))
    .option('--reject', 'reject the batch')
    .addOption(new Option('--include <kind...>', 'also disable candidates not selected by default').choices(KINDS))
    .option('--out <file>', 'write the change record (the input of `controls enable --from`)')
    .option('--json', 'machine-readable output')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<Common & { approve?: boolean; reject?: boolean; include?: HygieneKind[]; out?: string }>();
      const config = loadConfigFile(configFile());
      const batchOf = (audit: AuditReport, requester: Requester): HygieneBatchInput => ({
        mode: 'disable',
        requestedBy: requestedByLabel('hubfix controls disable', requester),
        requester,
        changes: selectedChanges(audit, options.include ?? []),
      });
      if (targetsDeployment(options)) {
        if (options.approve || options.reject)
          throw new Error('--approve and --reject are for the sandbox: on a deployment the approvers decide');
        const { deployment, report } = await auditDeployment(options, config);
        const batch = batchOf(report, await callerRequester(options, deployment.region));
        if (batch.changes.length === 0) return console.log('The audit selected no control: nothing to disable');
        const executionArn = await startDeployedBatch(options, deployment, batch);
        console.log(
          options.json ? JSON.stringify({ audit: report.totals, executionArn }, null, 2) : deployedRunSummary(executionArn, batch),
        );
        return;
      }
      if (!options.approve && !options.reject) throw new Error('Say --approve or --reject: the sandbox answers the approval email for you');
      const fixture = loadFixture(options.account);
      const result = await withCloud(fixture, config, async (cloud) => {
        const audit = await auditSandbox(cloud, organizationTargets(fixture), fixture.homeRegion);
        const batch = batchOf(audit, sandboxOperator(fixture.homeAccountId));
        const run = await runHygieneBatch(cloud, batch, approverPolicy(options.approve ? 'approve' : 'reject'));
        return { audit: audit.totals, run };
      });
      if (options.out && result.run.record) writeFileSync(options.out, `${JSON.stringify(result.run.record, null, 2)}\n`);
      console.log(options.json ? JSON.stringify(result, null, 2) : runSummary(result.run));
      setExitCode(result.run.execution.status === 'SUCCEEDED' ? 0 : 1);
    });

  withAwsOptions(controls.command('enable'))
    .description(
      'Re-enable every control a control-hygiene run disabled (the same workflow in enable mode; no approval needed to restore coverage)',
    )
    .requiredOption('--from <file>', 'the change record of the run to undo (`controls disable --out`, or the execution output)')
    .option('--account <fixture>', 'simulated organization fixture (sandbox)', ORGANIZATION_FIXTURE)
    .option('--json', 'machine-readable output')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<Common & { from: string }>();
      const record = JSON.parse(readFileSync(options.from, 'utf8')) as HygieneRunRecord;
      if (record.kind !== 'hubfix-control-hygiene') throw new Error(`${options.from} is not a control-hygiene change record`);
      const batch = reversal(record, 'hubfix controls enable');
      if (targetsDeployment(options)) {
        const deployment = await findDeployment(options);
        const requester = await callerRequester(options, deployment.region);
        const executionArn = await startDeployedBatch(options, deployment, {
          ...batch,
          requestedBy: requestedByLabel(batch.requestedBy, requester),
          requester,
        });
        console.log(options.json ? JSON.stringify({ executionArn }, null, 2) : deployedRunSummary(executionArn, batch));
        return;
      }
      const fixture = loadFixture(options.account);
      const run = await withCloud(fixture, loadConfigFile(configFile()), async (cloud) => {
        // The sandbox starts from the fixture: replay the recorded run first, so there is something to undo.
        await replayHygieneRun(cloud, record);
        return runHygieneBatch(cloud, batch, () => 'wait');
      });
      console.log(options.json ? JSON.stringify(run, null, 2) : runSummary(run));
      setExitCode(run.execution.status === 'SUCCEEDED' ? 0 : 1);
    });
};
