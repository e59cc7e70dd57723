import { parseConfig, type HubfixConfig } from '../functions/platform/config';
import { parseFixture } from '../sandbox/fixture';
import { LocalCloud } from '../sandbox/local-cloud';
import { answeringEmails, emailAnswerer, policyFor, SANDBOX_APPROVER, type EmailLog } from '../sandbox/session';
import type { SynthesizedWorkflow } from '../sandbox/synthesized-definition';
import { synthesizeWorkflow } from '../sandbox/synthesized-definition';
import { throttlingInjector, type ThrottlePolicy } from './token-bucket';

/**
 * The load run: N IAM users with old, unused access keys spread over member accounts, one IAM.3 finding
 * each, sent as Security Hub custom-action events of at most 20 findings (the console's limit per custom
 * action) through the deployed path (SQS → intake → one execution per finding), while the simulated
 * account throttles with token buckets. Counts every finding's final annotation.
 */

export const HOME_ACCOUNT = '111111111111';
export const HOME_REGION = 'us-east-1';
/** Security Hub sends at most 20 findings per custom action invocation. */
export const FINDINGS_PER_CUSTOM_ACTION = 20;
/** The intake queue's maxReceiveCount (infra/hubfix-stack.ts): after that a message goes to the DLQ. */
const MAX_RECEIVES = 3;
/** The intake queue's visibility timeout (infra/hubfix-stack.ts: six times intake's 30 s timeout). */
const INTAKE_VISIBILITY_TIMEOUT_MS = 180_000;
/** The intake event source's maxConcurrency (infra/hubfix-stack.ts). */
const INTAKE_CONCURRENCY = 5;

export interface LoadOptions {
  findings: number;
  /** Member accounts the users are spread over (each has its own IAM and CloudTrail buckets). */
  accounts: number;
  /** Throttling of the simulated account; undefined: none. */
  throttles?: ThrottlePolicy;
  /** Step Functions Retry intervals in ms; undefined: the definition's own (2 s × 2^n, full jitter). */
  retryIntervalMs?: number;
  workflow?: SynthesizedWorkflow;
  config?: HubfixConfig;
  /** How long a message intake failed stays invisible before SQS hands it out again; the stack's 180 s by default. */
  visibilityTimeoutMs?: number;
}

export interface LoadReport {
  findings: number;
  accounts: number;
  seconds: number;
  findingsPerSecond: number;
  /** Findings without a final annotation (none, or still "awaiting-approval"). */
  lost: number;
  /** Findings annotated failed because of throttling. */
  failedForThrottling: number;
  outcomes: Record<string, number>;
  executions: Record<string, number>;
  /** Requests the token buckets refused, per service (each was retried by the SDK or the state machine). */
  throttled: Record<string, number>;
  /** Intake messages redelivered by "SQS" after a partial failure, and messages that reached the DLQ. */
  redeliveries: number;
  deadLettered: number;
  /**
   * Runs that asked a person: a usage signal still throttled after the SDK's retries is unseen, so the risk is unknown
   * (never low). The run answers their emails as an approver would, signed in on the approval page; `answered` of them.
   */
  approvals: { asked: number; answered: number };
  apiCalls: number;
  keysDeactivated: number;
}

const accountIdOf = (index: number): string => `3${String(index).padStart(11, '0')}`;
const userNameOf = (index: number): string => `svc-load-${String(index).padStart(5, '0')}`;
const accessKeyIdOf = (index: number): string => `AKIALOAD${String(index).padStart(12, '0')}`;

/**
 * The fixture: `findings` users, round-robin over `accounts` member accounts, each with one key created 400 days ago,
 * last used 200 days ago.
 */
export const loadFixture = (findings: number, accounts: number): Record<string, unknown> => {
  const members: Record<string, { name: string; iam: { users: unknown[] } }> = {};
  for (let a = 0; a < accounts; a += 1) members[accountIdOf(a)] = { name: `load-${a}`, iam: { users: [] } };
  for (let i = 0; i < findings; i += 1) {
    members[accountIdOf(i % accounts)].iam.users.push({
      userName: userNameOf(i),
      tags: { team: 'load' },
      accessKeys: [
        {
          accessKeyId: accessKeyIdOf(i),
          status: 'Active',
          createDate: 'now-400d',
          lastUsed: { date: 'now-200d', serviceName: 's3', region: HOME_REGION },
        },
      ],
    });
  }
  return { homeAccountId: HOME_ACCOUNT, homeRegion: HOME_REGION, accounts: { [HOME_ACCOUNT]: { name: 'security-tooling' }, ...members } };
};

/** The IAM.3 finding of user `index`, as Security Hub (CSPM) sends it. */
export const loadFinding = (index: number, accounts: number): Record<string, unknown> => {
  const accountId = accountIdOf(index % accounts);
  return {
    SchemaVersion: '2018-10-08',
    Id: `arn:aws:securityhub:${HOME_REGION}:${accountId}:security-control/IAM.3/finding/load-${index}`,
    ProductArn: `arn:aws:securityhub:${HOME_REGION}::product/aws/securityhub`,
    GeneratorId: 'security-control/IAM.3',
    AwsAccountId: accountId,
    Region: HOME_REGION,
    Types: ['Software and Configuration Checks/Industry and Regulatory Standards'],
    CreatedAt: '2026-11-01T08:00:00.000Z',
    UpdatedAt: '2026-11-20T08:00:00.000Z',
    Severity: { Label: 'MEDIUM', Normalized: 40 },
    Title: "IAM.3 IAM users' access keys should be rotated every 90 days or less",
    // Required in every ASFF finding Security Hub holds (GetFindings' model): the service-model check refuses one without it.
    Description: "IAM.3 IAM users' access keys should be rotated every 90 days or less",
    Resources: [{ Type: 'AwsIamUser', Id: `arn:aws:iam::${accountId}:user/${userNameOf(index)}`, Partition: 'aws', Region: HOME_REGION }],
    Compliance: { Status: 'FAILED', SecurityControlId: 'IAM.3' },
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
  };
};

const customActionEvent = (findings: Record<string, unknown>[], batch: number) => ({
  version: '0',
  id: `load-${batch}`,
  'detail-type': 'Security Hub Findings - Custom Action',
  source: 'aws.securityhub',
  account: HOME_ACCOUNT,
  time: new Date().toISOString(),
  region: HOME_REGION,
  resources: [`arn:aws:securityhub:${HOME_REGION}:${HOME_ACCOUNT}:action/custom/HubfixRemediate`],
  detail: { actionName: 'HubfixRemediate', actionDescription: 'load run', findings },
});

const count = (values: string[]): Record<string, number> =>
  values.reduce<Record<string, number>>((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {});

/** Synthesizes the workflow once (≈ 3 s) for callers that run several loads. */
/**
 * The load run measures throughput, not the blast limits: its caps are lifted (the trust-boundary suite tests
 * the caps themselves), otherwise runs past the tenth per account would wait for a person.
 */
export const loadConfig = (): HubfixConfig => parseConfig({ blastLimits: { perAccount: 1_000_000, overall: 1_000_000 } });

export const loadWorkflow = (config: HubfixConfig = loadConfig()): SynthesizedWorkflow =>
  synthesizeWorkflow(config, HOME_ACCOUNT, HOME_REGION);

/** Runs the load; resolves when every execution has stopped. */
export const runLoad = async (options: LoadOptions): Promise<LoadReport> => {
  const config = options.config ?? loadConfig();
  const visibilityTimeoutMs = options.visibilityTimeoutMs ?? INTAKE_VISIBILITY_TIMEOUT_MS;
  const cloud = await LocalCloud.start({
    fixture: parseFixture(loadFixture(options.findings, options.accounts)),
    config,
    retryIntervalMs: options.retryIntervalMs,
    workflow: options.workflow ?? loadWorkflow(config),
  });
  try {
    const findings = Array.from({ length: options.findings }, (_, i) => loadFinding(i, options.accounts));
    for (const finding of findings) cloud.sim.importFinding(finding);
    const events = [];
    for (let i = 0; i < findings.length; i += FINDINGS_PER_CUSTOM_ACTION) {
      events.push(customActionEvent(findings.slice(i, i + FINDINGS_PER_CUSTOM_ACTION), i / FINDINGS_PER_CUSTOM_ACTION));
    }
    const injector = options.throttles ? throttlingInjector(options.throttles) : undefined;
    cloud.sim.faults = injector?.faults;

    const started = performance.now();
    let redeliveries = 0;
    let deadLettered = 0;
    // SQS: each message is received up to MAX_RECEIVES times; intake runs INTAKE_CONCURRENCY batches at once.
    const queue = events.map((event) => ({ event, receives: 0 }));
    // A message intake failed comes back after the queue's visibility timeout, as SQS returns it.
    let invisible = 0;
    const worker = async () => {
      for (;;) {
        const message = queue.shift();
        if (!message) {
          if (invisible === 0) return;
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        message.receives += 1;
        const response = await cloud.deliver(message.event);
        if ((response?.batchItemFailures ?? []).length === 0) continue;
        if (message.receives >= MAX_RECEIVES) deadLettered += 1;
        else {
          redeliveries += 1;
          invisible += 1;
          setTimeout(() => {
            invisible -= 1;
            queue.push(message);
          }, visibilityTimeoutMs);
        }
      }
    };
    await Promise.all(Array.from({ length: INTAKE_CONCURRENCY }, worker));
    // Without an answer such a run would wait for its approval timeout (a day), and the load would never settle.
    const emails: EmailLog = [];
    await answeringEmails(emailAnswerer(cloud, policyFor('approve', SANDBOX_APPROVER), emails), cloud.settle(), 250);
    const seconds = (performance.now() - started) / 1000;

    const outcomes = findings.map((f) => {
      const record = cloud.sim.finding(String(f.Id), String(f.ProductArn))?.finding as
        { UserDefinedFields?: Record<string, string>; Note?: { Text?: string } } | undefined;
      return { outcome: record?.UserDefinedFields?.['hubfix:outcome'] ?? 'not annotated', note: record?.Note?.Text ?? '' };
    });
    const iam = Object.values(cloud.sim.snapshot()).map((account) => (account.iam ?? {}) as Record<string, Record<string, string>>);
    const keysDeactivated = iam
      .flatMap((users) => Object.values(users).flatMap((keys) => Object.values(keys)))
      .filter((s) => s === 'Inactive').length;
    return {
      findings: options.findings,
      accounts: options.accounts,
      seconds,
      findingsPerSecond: options.findings / seconds,
      lost: outcomes.filter((o) => o.outcome === 'not annotated' || o.outcome === 'awaiting-approval').length,
      failedForThrottling: outcomes.filter((o) => o.outcome === 'failed' && /throttl|rate exceeded|limit exceeded/i.test(o.note)).length,
      outcomes: count(outcomes.map((o) => o.outcome)),
      executions: count([...cloud.stepFunctions.executions.values()].map((e) => e.status)),
      throttled: Object.fromEntries(injector?.throttled ?? []),
      redeliveries,
      deadLettered,
      approvals: {
        asked: emails.filter((e) => e.link).length,
        answered: emails.filter((e) => e.answer?.endsWith('(HTTP 200)')).length,
      },
      apiCalls: cloud.sim.calls.length,
      keysDeactivated,
    };
  } finally {
    await cloud.stop();
  }
};
