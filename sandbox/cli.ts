import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { loadConfigFile } from '../infra/build-app';
import { catalogMarkdown, catalogTable, controlCatalog, writeControlsDocs } from './controls-catalog';
import { runDemo } from './demo';
import { loadFixture } from './fixture';
import { fixtureJsonSchema } from './fixture';
import { LocalCloud } from './local-cloud';
import { planEvent } from './plan';
import { printRunReport } from './report';
import { asCustomActionEvent, policyFor, runEvent, withDecisionTimeout } from './session';
import { exportAudit, writeReport } from './audit-commands';
import { saveLocalAudit } from './audit-export';
import { registerHygieneCommands } from './hygiene-cli';

export const FIXTURES = join(__dirname, 'fixtures');
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

export const main = async (argv: string[]): Promise<number> => {
  let exitCode = 0;
  const program = new Command('hubfix')
    .description('Blast-radius-aware remediation of AWS Security Hub findings: the local sandbox and tools')
    .option('--config <file>', 'hubfix configuration file', 'config/hubfix.config.json')
    .option('--verbose', 'print the functions\u2019 structured logs');

  program
    .command('demo')
    .description('Seed a demo account and findings, run them through the workflow, serve the approval page on localhost')
    .option('--account <fixture>', 'simulated account fixture', join(FIXTURES, 'demo-account.json'))
    .option('--event <file>', 'Security Hub event to send', join(FIXTURES, 'demo-event.json'))
    .addOption(new Option('--approve', 'approve every request without waiting for a person').conflicts(['reject', 'timeout']))
    .addOption(new Option('--reject', 'reject every request').conflicts(['timeout']))
    .option('--timeout', 'let every request time out (after two seconds)')
    .option('--port <port>', 'port of the local approval page (0: any free port)', '8787')
    .option('--json', 'print one JSON report instead of progress and tables')
    .option('--audit-file <file>', 'append the audit records of the runs to this file (JSON lines) for audit export and report')
    .action(async (options) => {
      const decision = options.approve ? 'approve' : options.reject ? 'reject' : options.timeout ? 'timeout' : 'interactive';
      // The demo's own configuration (its data-event source) unless --config names another.
      const configFile = program.getOptionValueSource('config') === 'default' ? join(FIXTURES, 'demo.config.json') : program.opts().config;
      exitCode = await runDemo({
        config: loadConfigFile(configFile),
        fixture: loadFixture(options.account),
        event: readJson(options.event),
        decision,
        port: Number(options.port),
        json: Boolean(options.json),
        auditFile: options.auditFile,
      });
    });

  program
    .command('plan')
    .description('For each finding of an event: control, route with reason, risk, evidence and plan. Changes nothing.')
    .requiredOption('--event <file>', 'Security Hub event, finding, finding list or GetFindings response (JSON)')
    .option('--account <fixture>', 'simulated account fixture to assess the blast radius against')
    .option('--json', 'machine-readable output')
    .action(async (options) => {
      const result = await planEvent(
        readJson(options.event),
        loadConfigFile(program.opts().config),
        options.account ? loadFixture(options.account) : undefined,
      );
      if (options.json) console.log(JSON.stringify(result, null, 2));
      else
        console.log(
          result.rejected
            ? `Rejected: ${result.rejected}`
            : result.findings.map((f) => `${f.controlId}\t${f.route ?? '-'}\t${f.reason}`).join('\n'),
        );
      exitCode = result.rejected ? 1 : 0;
    });

  program
    .command('run')
    .description('Run the workflow for every finding of an event against a simulated account, deciding approvals as told')
    .requiredOption('--event <file>', 'Security Hub event (or bare findings, sent as the Remediate custom action)')
    .requiredOption('--account <fixture>', 'simulated account fixture')
    .addOption(
      new Option('--decision <decision>', 'how approval requests are answered')
        .choices(['approve', 'reject', 'timeout'])
        .default('approve'),
    )
    .option('--json', 'machine-readable output')
    .option('--audit-file <file>', 'append the audit records of the runs to this file (JSON lines) for audit export and report')
    .action(async (options) => {
      const fixture = loadFixture(options.account);
      const config = withDecisionTimeout(loadConfigFile(program.opts().config), options.decision);
      const cloud = await LocalCloud.start({ fixture, config, retryIntervalMs: 0 });
      try {
        const event = asCustomActionEvent(readJson(options.event), fixture.homeAccountId, fixture.homeRegion);
        const report = await runEvent(cloud, event, policyFor(options.decision, 'hubfix run'));
        if (options.json) console.log(JSON.stringify(report, null, 2));
        else printRunReport(report);
        if (options.auditFile) {
          const count = await saveLocalAudit(cloud, options.auditFile);
          if (!options.json) console.log(`Appended ${count} audit record${count === 1 ? '' : 's'} to ${options.auditFile}`);
        }
      } finally {
        await cloud.stop();
      }
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
  registerHygieneCommands(
    controls,
    () => program.opts().config,
    (code) => {
      exitCode = code;
    },
  );

  const audit = program
    .command('audit')
    .description('The audit trail: one record per run (finding, evidence, route, approver, before/after, verification, times)');
  audit
    .command('export')
    .description('The evidence file: every run in the period with its approver and before/after state, as CSV or JSON')
    .option('--since <date>', 'runs that ended at or after this date or ISO 8601 time')
    .option('--until <date>', 'runs that ended before this date or ISO 8601 time')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--out <file>', 'write to this file instead of standard output')
    .addOption(new Option('--from <file>', 'an audit file written by hubfix run / demo --audit-file').conflicts(['table']))
    .option('--table <name>', 'the deployed audit table (stack output AuditTableName), read with your AWS credentials')
    .option('--region <region>', 'region of --table (default: the AWS SDK default)')
    .action(async (options) => {
      const message = await exportAudit(options, options.format, loadConfigFile(program.opts().config), options.out);
      if (message) console.error(message);
    });

  program
    .command('report')
    .description(
      'A self-contained HTML report from the audit trail: compliance before/after per control, MTTR, outcomes, pending approvals',
    )
    .requiredOption('--out <file>', 'the HTML file to write')
    .addOption(new Option('--from <file>', 'an audit file written by hubfix run / demo --audit-file').conflicts(['table']))
    .option('--table <name>', 'the deployed audit table (stack output AuditTableName), read with your AWS credentials')
    .option('--region <region>', 'region of --table (default: the AWS SDK default)')
    .option('--since <date>', 'runs that ended at or after this date or ISO 8601 time')
    .option('--until <date>', 'runs that ended before this date or ISO 8601 time')
    .action(async (options) => {
      console.log(await writeReport(options, loadConfigFile(program.opts().config), options.out));
    });

  program
    .command('fixture-schema')
    .description('Print the JSON Schema of simulated account fixtures')
    .action(() => console.log(JSON.stringify(fixtureJsonSchema(), null, 2)));

  await program.parseAsync(argv);
  return exitCode;
};
