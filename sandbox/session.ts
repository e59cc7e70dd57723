import { parseEvent, parseFindings } from '../functions/findings/asff';
import { requesterFromCallerArn, type Requester } from '../functions/findings/requester';
import { planIntake } from '../functions/intake/intake-decisions';
import { executeIntakePlan } from '../functions/intake/intake-run';
import { answerApproval, approvalLinkIn, type ApproverDecision } from './approver';
import type { HubfixConfig } from '../functions/platform/config';
import type { LocalCloud } from './local-cloud';
import type { PublishedMessage } from './simulated-aws';

/** What the sandbox does with each approval email: answer it, or leave it for a person (or the timeout). */
export type EmailPolicy = (
  email: PublishedMessage,
  link: string,
) => { decision: ApproverDecision; approver: string; reason: string } | 'wait';

export interface FindingReport {
  findingId: string;
  title: string;
  controlId: string;
  resourceId: string;
  outcome: string;
  workflowStatus: string;
  note: string;
  execution?: { name: string; status: string; states: string[] };
}

export interface RunReport {
  findings: FindingReport[];
  emails: EmailLog;
  /** Resources before and after, as the simulated account holds them. */
  before: ReturnType<LocalCloud['sim']['snapshot']>;
  after: ReturnType<LocalCloud['sim']['snapshot']>;
  /** Intake's verdict when the whole event was not for hubfix (e.g. another tool's custom action). */
  ignored?: string;
}

/** Security Hub already holds the findings an event carries: the simulated one must too, so they can be annotated. */
export const importEventFindings = (cloud: LocalCloud, event: unknown): void => {
  const detail = (event as { detail?: { findings?: unknown[] } }).detail;
  const findings = Array.isArray(detail?.findings) ? detail.findings : [];
  for (const finding of findings) {
    if (typeof finding === 'object' && finding && 'Id' in finding && 'ProductArn' in finding)
      cloud.sim.importFinding(finding as Record<string, unknown>);
  }
};

/** Bare findings (a finding, a list, a GetFindings response) become the custom-action event the console would send. */
export const asCustomActionEvent = (raw: unknown, accountId: string, region: string, action = 'HubfixRemediate'): unknown => {
  if (typeof raw === 'object' && raw !== null && 'detail-type' in raw) return raw;
  const findings = parseFindings(raw).length > 0 ? (Array.isArray(raw) ? raw : ((raw as { Findings?: unknown[] }).Findings ?? [raw])) : [];
  return {
    version: '0',
    id: 'hubfix-local-event',
    'detail-type': 'Security Hub Findings - Custom Action',
    source: 'aws.securityhub',
    account: accountId,
    time: new Date().toISOString(),
    region,
    resources: [`arn:aws:securityhub:${region}:${accountId}:action/custom/${action}`],
    detail: { actionName: action, actionDescription: 'hubfix local run', findings },
  };
};

/** What became of each approval email the sandbox saw. */
export type EmailLog = { subject?: string; link?: string; answer?: string }[];

/**
 * Answers each approval email not answered yet (by `policy`, through the real approval page; `skip`: emails to leave
 * alone) and logs it in `emails`; call it while executions run. Either workflow's emails: they share page and request.
 */
export const emailAnswerer = (
  cloud: LocalCloud,
  policy: EmailPolicy,
  emails: EmailLog,
  skip: readonly PublishedMessage[] = [],
): (() => Promise<void>) => {
  const handled = new Set<PublishedMessage>(skip);
  return async () => {
    for (const email of cloud.sim.published.filter((m) => !handled.has(m))) {
      handled.add(email);
      const link = approvalLinkIn(email);
      const choice = link ? policy(email, link) : 'wait';
      if (!link || choice === 'wait') {
        emails.push({ subject: email.subject, link, answer: 'left unanswered' });
        continue;
      }
      const status = await answerApproval(link, choice.decision, choice.approver, choice.reason);
      emails.push({ subject: email.subject, link, answer: `${choice.decision} by ${choice.approver} (HTTP ${status})` });
    }
  };
};

/** Runs `until` to its end, answering approval emails every `intervalMs` meanwhile (and once more at the end). */
export const answeringEmails = async (answer: () => Promise<void>, until: Promise<unknown>, intervalMs: number): Promise<void> => {
  let stopped = false;
  const done = until.then(() => {
    stopped = true;
  });
  while (!stopped) {
    await answer();
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, intervalMs))]);
  }
  await answer();
};

/**
 * Sends one event through the deployed path (SQS message → intake → executions) and runs every
 * execution to its end, answering approval emails by `policy` through the real approval page. With `requestedBy`
 * an operator starts the runs instead of Security Hub: intake's own re-read, locks and StartExecution, each execution
 * input naming that person (who then cannot approve it), as a command run with the operator's credentials would.
 */
export const runEvent = async (
  cloud: LocalCloud,
  event: unknown,
  policy: EmailPolicy,
  options: { requestedBy?: Requester } = {},
): Promise<RunReport> => {
  importEventFindings(cloud, event);
  const before = cloud.sim.snapshot();
  const intakePlan = planIntake(parseEvent(event), cloud.runtime.config, { receivedAt: new Date().toISOString() });
  const emails: RunReport['emails'] = [];
  const answerNewEmails = emailAnswerer(cloud, policy, emails);

  if (options.requestedBy) {
    await executeIntakePlan({ ...intakePlan, skip: [...intakePlan.skip] }, cloud.runtime, { requestedBy: options.requestedBy });
  } else {
    const delivered = await cloud.deliver(event);
    const failures = delivered && 'batchItemFailures' in delivered ? delivered.batchItemFailures : [];
    if (failures.length > 0) throw new Error('Intake rejected the event; see the log (run with --verbose) for the reason');
  }

  await answeringEmails(answerNewEmails, cloud.settle(), 50);

  const executionOf = (findingId: string) =>
    [...cloud.stepFunctions.executions.values()].find((e) => (e.input as { finding?: { id?: string } }).finding?.id === findingId);
  const findings = [
    ...intakePlan.start.map((s) => s.finding),
    ...intakePlan.skip.map((s) => ({ id: s.identifier.id, productArn: s.identifier.productArn })),
  ].map((ref) => {
    const record = cloud.sim.finding(ref.id, ref.productArn);
    const f = (record?.finding ?? {}) as {
      Title?: string;
      Note?: { Text?: string };
      Workflow?: { Status?: string };
      UserDefinedFields?: Record<string, string>;
      Resources?: { Id?: string }[];
      Compliance?: { SecurityControlId?: string };
    };
    const execution = executionOf(ref.id);
    return {
      findingId: ref.id,
      title: f.Title ?? '',
      controlId: 'controlId' in ref ? String(ref.controlId) : (f.Compliance?.SecurityControlId ?? ''),
      resourceId: f.Resources?.[0]?.Id ?? '',
      outcome: f.UserDefinedFields?.['hubfix:outcome'] ?? 'not annotated',
      workflowStatus: f.Workflow?.Status ?? '',
      note: f.Note?.Text ?? '',
      execution: execution && { name: execution.name, status: execution.status, states: execution.states },
    };
  });
  return { findings, emails, before, after: cloud.sim.snapshot(), ignored: intakePlan.ignored };
};

/** `--decision timeout` shortens the wait to two seconds: the definition's timeout is set from this config at synth. */
export const withDecisionTimeout = (config: HubfixConfig, decision: string): HubfixConfig =>
  decision === 'timeout' ? { ...config, approval: { timeoutHours: 2 / 3600, linkLifetimeHours: 2 / 3600 } } : config;

/**
 * The operator the sandbox's commands run as, as sts:GetCallerIdentity would name an IAM Identity Center session: the
 * role `AWSReservedSSO_<permission set>_<id>`, the session named after the user. By default the demo developer Devi,
 * who is no approver, so the demo approvers can decide what the sandbox starts.
 */
export const sandboxOperator = (accountId: string, userName = 'devi@example.test'): Requester =>
  requesterFromCallerArn(`arn:aws:sts::${accountId}:assumed-role/AWSReservedSSO_HubfixOperator_5a1b2c3d4e5f6a7b/${userName}`);

/** The demo person the sandbox's `--approve` / `--reject` sign in as (sandbox/local-identity-provider.ts): an approver. */
export const SANDBOX_APPROVER = 'ana';

export const policyFor = (decision: string, approver: string): EmailPolicy =>
  decision === 'timeout'
    ? () => 'wait'
    : () => ({
        decision: decision === 'reject' ? 'reject' : 'approve',
        approver,
        reason: decision === 'reject' ? 'Rejected from the hubfix CLI' : 'Approved from the hubfix CLI',
      });
