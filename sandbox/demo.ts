import type { HubfixConfig } from '../functions/platform/config';
import { policyFor, SANDBOX_APPROVER, withDecisionTimeout } from './session';
import type { Fixture } from './fixture';
import { LocalCloud } from './local-cloud';
import { saveLocalAudit } from './audit-file';
import { printRunReport } from './report';
import { runEvent, type EmailPolicy, type RunReport } from './session';
import { DEMO_PASSWORD, DEMO_USERS } from './local-identity-provider';

export interface DemoOptions {
  config: HubfixConfig;
  fixture: Fixture;
  event: unknown;
  decision: 'interactive' | 'approve' | 'reject' | 'timeout';
  port: number;
  json: boolean;
  /** Append the runs' audit records here (JSON lines): the local DynamoDB ends with the process. */
  auditFile?: string;
  /** A person is at a terminal to decide in the browser (stdin and stdout are TTYs); without one, `interactive` refuses. */
  terminal: boolean;
}

export interface DemoResult {
  exitCode: number;
  /** Absent when the demo refused to start. */
  report?: RunReport;
}

/** The sign-in the interactive demo offers: the local identity provider's people, who may decide, and the password. */
export const demoLogins = (approverGroups: readonly string[]): string[] => [
  `   Sign in at the local identity provider (password "${DEMO_PASSWORD}") as one of:`,
  ...DEMO_USERS.map((user) => {
    const approver = user.groups.some((group) => approverGroups.includes(group));
    return `     ${user.login.padEnd(4)} ${user.name} (${user.groups.join(', ')}): ${approver ? 'may approve' : 'may not approve'}`;
  }),
];

const say = (json: boolean, text: string) => {
  if (!json) console.log(text);
};

/**
 * `npm run demo`: a demo account and a custom-action event with findings that take every path (fixed
 * automatically, sent for approval, unsupported), the approval page on localhost, progress as findings
 * move, and a closing table of outcomes and changes.
 */
export const runDemo = async (options: DemoOptions): Promise<DemoResult> => {
  const { json } = options;
  if (options.decision === 'interactive' && !options.terminal) {
    console.error('hubfix demo: no terminal to wait at. Decide in the browser from a terminal, or pass --approve, --reject or --timeout.');
    return { exitCode: 2 };
  }
  const config = withDecisionTimeout(options.config, options.decision);
  const labels = new Map<string, string>();
  const cloud = await LocalCloud.start({
    fixture: options.fixture,
    config,
    approvalPort: options.port,
    onStateEntered: (execution, state) => {
      const finding = (execution.input as { finding: { controlId: string; resource: { id: string } } }).finding;
      if (!labels.has(execution.name)) labels.set(execution.name, `${finding.controlId} ${finding.resource.id.split(/[/:]/).pop()}`);
      say(json, `  ${labels.get(execution.name)?.padEnd(28)} → ${state}`);
    },
  });
  say(
    json,
    `hubfix demo: simulated account ${options.fixture.homeAccountId} (${options.fixture.homeRegion}); approval page at ` +
      `${cloud.approvalBaseUrl}`,
  );
  say(json, 'Sending the "Remediate" custom action for the demo findings…\n');

  const answer = options.decision === 'interactive' ? undefined : policyFor(options.decision, SANDBOX_APPROVER);
  const policy: EmailPolicy = (email, link) => {
    say(json, `\n✉  Email to approvers: ${email.subject}\n   ${link}\n`);
    if (answer) return answer(email, link);
    say(json, '   Open the link in a browser, sign in, read the evidence, and approve or reject.');
    for (const line of demoLogins(config.approvalPolicy.approverGroups)) say(json, line);
    say(json, '   The demo waits for your decision (Ctrl+C to stop).\n');
    return 'wait';
  };
  try {
    const report = await runEvent(cloud, options.event, policy);
    if (json) console.log(JSON.stringify(report, null, 2));
    else {
      console.log('');
      printRunReport(report);
    }
    if (options.auditFile) {
      const count = await saveLocalAudit(cloud, options.auditFile);
      say(json, `Appended ${count} audit record${count === 1 ? '' : 's'} to ${options.auditFile}`);
    }
    return { exitCode: 0, report };
  } finally {
    await cloud.stop();
  }
};
