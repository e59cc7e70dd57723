import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import type { HubfixConfig } from '../functions/platform/config';
import { loadConfigFile } from '../infra/build-app';
import { saveLocalAudit } from './audit-file';
import { runDemo } from './demo';
import { fixtureJsonSchema, loadFixture } from './fixture';
import { LocalCloud } from './local-cloud';
import { printRunReport } from './report';
import { asCustomActionEvent, policyFor, runEvent, SANDBOX_APPROVER, sandboxOperator, withDecisionTimeout } from './session';

export const FIXTURES = join(__dirname, 'fixtures');
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

/**
 * The sandbox's own commands under `hubfix`: `demo`, `run` and `fixture-schema` run hubfix against a simulated
 * organization on this machine, and never against AWS.
 */
export const registerSandboxCommands = (program: Command, config: () => HubfixConfig, setExitCode: (code: number) => void): void => {
  // The demo's own configuration (its data-event source) unless --config names another.
  const demoConfig = (): HubfixConfig =>
    program.getOptionValueSource('config') === 'default' ? loadConfigFile(join(FIXTURES, 'demo.config.json')) : config();
  program
    .command('demo')
    .description('Sandbox: seed a demo account and findings, run them through the workflow, serve the approval page on localhost')
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
      const { exitCode } = await runDemo({
        config: demoConfig(),
        fixture: loadFixture(options.account),
        event: readJson(options.event),
        decision,
        port: Number(options.port),
        json: Boolean(options.json),
        auditFile: options.auditFile,
        terminal: Boolean(process.stdin.isTTY && process.stdout.isTTY),
      });
      setExitCode(exitCode);
    });

  program
    .command('run')
    .description('Sandbox: run the workflow for every finding of an event against a simulated account, deciding approvals as told')
    .requiredOption('--event <file>', 'Security Hub event (or bare findings, sent as the Remediate custom action)')
    .requiredOption('--account <fixture>', 'simulated account fixture')
    .addOption(
      new Option('--decision <decision>', 'how approval requests are answered')
        .choices(['approve', 'reject', 'timeout'])
        .default('approve'),
    )
    .option(
      '--requested-by <user-name>',
      'start the runs as this operator (an IAM Identity Center session name, e.g. ana@example.test) instead of from Security Hub: ' +
        'that person cannot approve them',
    )
    .option('--json', 'machine-readable output')
    .option('--audit-file <file>', 'append the audit records of the runs to this file (JSON lines) for audit export and report')
    .action(async (options) => {
      const fixture = loadFixture(options.account);
      const cloud = await LocalCloud.start({ fixture, config: withDecisionTimeout(config(), options.decision), retryIntervalMs: 0 });
      try {
        const event = asCustomActionEvent(readJson(options.event), fixture.homeAccountId, fixture.homeRegion);
        const requestedBy = options.requestedBy ? sandboxOperator(fixture.homeAccountId, options.requestedBy) : undefined;
        const report = await runEvent(cloud, event, policyFor(options.decision, SANDBOX_APPROVER), { requestedBy });
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

  program
    .command('fixture-schema')
    .description('Sandbox: print the JSON Schema of simulated account fixtures')
    .action(() => console.log(JSON.stringify(fixtureJsonSchema(), null, 2)));
};
