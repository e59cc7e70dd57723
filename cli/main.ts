import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { Command, Option } from 'commander';
import { loadConfigFile } from '../infra/build-app';
import { registerSandboxCommands } from '../sandbox/commands';
import { loadFixture } from '../sandbox/fixture';
import { exportAudit, writeReport } from './audit-commands';
import { clientSettings, targetsDeployment, withAwsOptions, type AwsOptions } from './aws';
import { catalogMarkdown, catalogTable, controlCatalog, writeControlsDocs } from './controls-catalog';
import { findDeployment, inspectClients } from './deployment';
import { registerHygieneCommands } from './hygiene-commands';
import { formatPlan, planEvent } from './plan';
import { formatOperatorRun, operatorRuntime, startAsOperator, startRoleCredentials } from './remediate';
import { callerRequester } from './caller';
import type { RequestedAction } from '../functions/findings/types';
import { checkStatus, formatStatus, type StatusClients } from './status';

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

/** The clients `hubfix status` reads with: the operator's credentials, in the deployment's region. */
const statusClients = (options: AwsOptions): StatusClients => {
  const settings = clientSettings(options);
  return {
    cloudFormation: new CloudFormationClient(settings),
    securityHub: new SecurityHubClient(settings),
    events: new EventBridgeClient(settings),
    sns: new SNSClient(settings),
    sqs: new SQSClient(settings),
    stepFunctions: new SFNClient(settings),
    dynamo: new DynamoDBClient(settings),
    sts: (stsRegion, credentials) => new STSClient({ ...clientSettings(options, stsRegion), ...(credentials ? { credentials } : {}) }),
  };
};

/**
 * The `hubfix` command: the operator's commands against a deployed hubfix (status, plan, remediate, audit export, report, the
 * control catalog and control hygiene; `--profile` / `--region` / `--stack` name the deployment), and the sandbox's
 * (demo, run; plan, audit, report and control hygiene also run against the sandbox when no deployment is named).
 */
export const main = async (argv: string[]): Promise<number> => {
  let exitCode = 0;
  const setExitCode = (code: number) => {
    exitCode = code;
  };
  const program = new Command('hubfix')
    .description('Blast-radius-aware remediation of AWS Security Hub findings: the operator CLI and the local sandbox')
    .option('--config <file>', 'hubfix configuration file', 'config/hubfix.config.json')
    .option('--verbose', 'print the functions\u2019 structured logs');
  const config = () => loadConfigFile(program.opts().config);

  withAwsOptions(program.command('status'))
    .description('Check a deployment before trusting it: one line per check, ok or the problem and its fix; exit 1 on any problem')
    .option('--regions <region...>', 'more regions to check member roles in than the home region and the aggregator-linked ones')
    .option('--json', 'machine-readable output')
    .action(async (options: AwsOptions & { regions?: string[]; json?: boolean }) => {
      const lines = await checkStatus(statusClients(options), {
        config: config(),
        stackName: options.stack,
        now: new Date(),
        regions: options.regions,
      });
      console.log(options.json ? JSON.stringify(lines, null, 2) : formatStatus(lines));
      exitCode = lines.every((l) => l.ok) ? 0 : 1;
    });

  withAwsOptions(program.command('plan'))
    .description(
      'For each finding of an event: control, route with reason, risk, evidence and plan. Changes nothing: against a deployment ' +
        'it reads with hubfix-admin-inspect (inspect permissions only), every call a read',
    )
    .requiredOption('--event <file>', 'Security Hub event, finding, finding list or GetFindings response (JSON)')
    .option('--account <fixture>', 'simulated account fixture to assess the blast radius against (sandbox)')
    .option('--own-credentials', 'against a deployment: read with your own credentials (read-only) instead of hubfix-admin-inspect')
    .option('--json', 'machine-readable output')
    .action(async (options: AwsOptions & { event: string; account?: string; ownCredentials?: boolean; json?: boolean }) => {
      const deployed = targetsDeployment(options)
        ? inspectClients(await findDeployment(options), options, options.ownCredentials)
        : undefined;
      const result = await planEvent(
        readJson(options.event),
        config(),
        options.account ? loadFixture(options.account) : undefined,
        deployed,
      );
      console.log(options.json ? JSON.stringify(result, null, 2) : formatPlan(result));
      exitCode = result.rejected ? 1 : 0;
    });

  withAwsOptions(program.command('remediate'))
    .description(
      'Start hubfix on findings as yourself, against a deployment: what the Remediate custom action does, through the same intake, ' +
        'with your sts:GetCallerIdentity recorded as the requester, so you cannot approve these runs. Starts them through the ' +
        'stack\u2019s operator start role (operators.principalArns), which has intake\u2019s permissions and no more',
    )
    .requiredOption('--finding <id...>', 'Security Hub finding ids (the finding ARN), up to 100')
    .addOption(new Option('--action <action>', 'what to ask for').choices(['remediate', 'plan', 'undo']).default('remediate'))
    .option('--own-credentials', 'start the runs with your own credentials instead of the operator start role')
    .option('--json', 'machine-readable output')
    .action(async (options: AwsOptions & { finding: string[]; action: RequestedAction; ownCredentials?: boolean; json?: boolean }) => {
      if (!targetsDeployment(options))
        throw new Error('hubfix remediate starts runs in a deployment: name it with --profile, --region or --stack (sandbox: hubfix run)');
      const deployment = await findDeployment(options);
      const requestedBy = await callerRequester(options, deployment.region);
      const credentials = options.ownCredentials ? undefined : startRoleCredentials(deployment, options, requestedBy);
      const result = await startAsOperator(operatorRuntime(deployment, options, config(), credentials), {
        findingIds: options.finding,
        action: options.action,
        requestedBy,
      });
      console.log(options.json ? JSON.stringify({ requestedBy, ...result }, null, 2) : formatOperatorRun(result, deployment));
      exitCode = result.runs.length > 0 ? 0 : 1;
    });

  const controls = program
    .command('controls')
    .description('The control catalog: each plugin, the Security Hub and CIS ids it serves, what it reads and changes, its default mode')
    .addOption(new Option('--json', 'machine-readable output').conflicts(['markdown', 'writeDocs']))
    .addOption(new Option('--markdown', 'the README coverage table (Markdown)').conflicts(['writeDocs']))
    .option('--write-docs', "rewrite the README's generated controls section (npm run docs:controls)")
    .action((options) => {
      const catalog = controlCatalog();
      if (options.writeDocs) {
        const changed = writeControlsDocs(join(__dirname, '..'), catalog);
        console.log(changed.length > 0 ? `Updated ${changed.join(', ')}` : 'The controls section is up to date');
      } else if (options.json) console.log(JSON.stringify(catalog, null, 2));
      else if (options.markdown) console.log(catalogMarkdown(catalog));
      else console.log(catalogTable(catalog));
    });
  registerHygieneCommands(controls, () => program.opts().config, setExitCode);

  const audit = program
    .command('audit')
    .description('The audit trail: one record per run (finding, evidence, route, approver, before/after, verification, times)');
  const source = (command: Command) =>
    withAwsOptions(command)
      .addOption(new Option('--from <file>', 'an audit file written by hubfix run / demo --audit-file').conflicts(['table']))
      .option('--table <name>', 'the deployed audit table (default with --profile / --region / --stack: the stack output AuditTableName)')
      .option('--since <date>', 'runs that ended at or after this date or ISO 8601 time')
      .option('--until <date>', 'runs that ended before this date or ISO 8601 time');
  source(audit.command('export'))
    .description('The evidence file: every run in the period with its approver and before/after state, as CSV or JSON')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (options) => {
      const message = await exportAudit(options, options.format, config(), options.out);
      if (message) console.error(message);
    });

  source(program.command('report'))
    .description(
      'A self-contained HTML report from the audit trail: compliance before/after per control, MTTR, outcomes, pending approvals',
    )
    .requiredOption('--out <file>', 'the HTML file to write')
    .action(async (options) => {
      console.log(await writeReport(options, config(), options.out));
    });

  registerSandboxCommands(program, config, setExitCode);

  await program.parseAsync(argv);
  return exitCode;
};
