import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Metafile } from 'esbuild';
import { pathToFileURL } from 'node:url';
import { plugins } from '../functions/controls/registry';
import type { ControlStep } from '../functions/controls/grants';
import { bundleLambda } from '../infra/constructs/lambda-bundle';
import { defaultConfig } from '../functions/platform/config';
import { parseFixture } from '../sandbox/fixture';
import { LocalCloud } from '../sandbox/local-cloud';
import { runEvent } from '../sandbox/session';
import { HOME_ACCOUNT, HOME_REGION, loadWorkflow, runLoad, type LoadReport } from './load';
import { realisticThrottles } from './token-bucket';

/**
 * `npm run bench [-- --json] [-- --findings N] [-- --bundles]`: the figures the issue asks for, each measured here and
 * printed with the method behind it and its target (--bundles: only bundle the functions and time their cold init). Nothing is
 * estimated: every number comes from running
 * the synthesized workflow on the local cloud, or from bundling and loading the real functions.
 */

const REPO = resolve(__dirname, '..');
const TARGETS = { transitionsAuto: 12, transitionsApproval: 16, apiCallsAuto: 10, bundleBytes: 200 * 1024, initRatio: 1.5 };
const MEMBER_ACCOUNT = '222222222222';

interface Figure {
  name: string;
  value: string;
  target?: string;
  met?: boolean;
  method: string;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const idleKeyUser = (userName: string, accessKeyId: string) => ({
  userName,
  accessKeys: [
    { accessKeyId, status: 'Active', createDate: 'now-400d', lastUsed: { date: 'now-200d', serviceName: 's3', region: HOME_REGION } },
  ],
});

/** One idle key in the home account, one in a member account, one production key (approval path) in the home account. */
const benchFixture = () => ({
  homeAccountId: HOME_ACCOUNT,
  homeRegion: HOME_REGION,
  accounts: {
    [HOME_ACCOUNT]: {
      name: 'security-tooling',
      iam: {
        users: [
          idleKeyUser('ci-home', 'AKIABENCHHOME0000001'),
          { ...idleKeyUser('orders-service', 'AKIABENCHORDERS00001'), tags: { environment: 'production' } },
        ],
      },
    },
    [MEMBER_ACCOUNT]: { name: 'workloads', iam: { users: [idleKeyUser('ci-member', 'AKIABENCHMEMBER00001')] } },
  },
});

const userFinding = (accountId: string, user: string) => ({
  SchemaVersion: '2018-10-08',
  Id: `arn:aws:securityhub:${HOME_REGION}:${accountId}:security-control/IAM.3/finding/bench-${user}`,
  ProductArn: `arn:aws:securityhub:${HOME_REGION}::product/aws/securityhub`,
  GeneratorId: 'security-control/IAM.3',
  AwsAccountId: accountId,
  Region: HOME_REGION,
  UpdatedAt: '2026-11-20T08:00:00.000Z',
  Title: 'IAM.3 bench',
  Severity: { Label: 'MEDIUM' },
  Resources: [{ Type: 'AwsIamUser', Id: `arn:aws:iam::${accountId}:user/${user}`, Region: HOME_REGION }],
  Compliance: { Status: 'FAILED', SecurityControlId: 'IAM.3' },
  Workflow: { Status: 'NEW' },
  RecordState: 'ACTIVE',
});

const customAction = (findings: unknown[]) => ({
  version: '0',
  id: 'bench',
  'detail-type': 'Security Hub Findings - Custom Action',
  source: 'aws.securityhub',
  account: HOME_ACCOUNT,
  region: HOME_REGION,
  time: new Date().toISOString(),
  resources: [`arn:aws:securityhub:${HOME_REGION}:${HOME_ACCOUNT}:action/custom/HubfixRemediate`],
  detail: { actionName: 'HubfixRemediate', actionDescription: 'bench', findings },
});

interface PathRun {
  states: string[];
  /** AWS API calls the simulated account served for this finding, by "Service.Command". */
  calls: Record<string, number>;
  /** DynamoDB calls (dynalite, outside the simulated account): the resource lock and the audit record. */
  dynamoCalls: Record<string, number>;
}

/** Runs one finding end to end on a fresh cloud and records its states and every AWS call it caused. */
const runOne = async (
  workflow: ReturnType<typeof loadWorkflow>,
  accountId: string,
  user: string,
  decision: 'approve' | 'none',
): Promise<PathRun> => {
  const cloud = await LocalCloud.start({ fixture: parseFixture(benchFixture()), config: defaultConfig(), retryIntervalMs: 0, workflow });
  try {
    const dynamoCalls: Record<string, number> = {};
    cloud.runtime.clients.home(DynamoDBClient).middlewareStack.add(
      (next, context) => async (args) => {
        const name = `DynamoDB.${String(context.commandName).replace(/Command$/, '')}`;
        dynamoCalls[name] = (dynamoCalls[name] ?? 0) + 1;
        return next(args);
      },
      { step: 'initialize', name: 'benchCountDynamoCalls' },
    );
    const setupCalls = cloud.sim.calls.length;
    const report = await runEvent(cloud, customAction([userFinding(accountId, user)]), () =>
      decision === 'approve' ? { decision: 'approve', approver: 'ana', reason: 'bench' } : 'wait',
    );
    const calls: Record<string, number> = {};
    for (const call of cloud.sim.calls.slice(setupCalls))
      calls[`${call.service}.${call.command}`] = (calls[`${call.service}.${call.command}`] ?? 0) + 1;
    const [finding] = report.findings;
    if (finding.outcome !== 'resolved') throw new Error(`the bench finding of ${user} ended ${finding.outcome}: ${finding.note}`);
    return { states: finding.execution?.states ?? [], calls, dynamoCalls };
  } finally {
    await cloud.stop();
  }
};

const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);
const describeCalls = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .map(([name, n]) => (n > 1 ? `${name}×${n}` : name))
    .join(', ');

/** Cycles in the state graph (Next, Choices, Default, Catch) and Wait states: either would be a polling loop. */
const pollingLoops = (states: Record<string, Record<string, unknown>>): { waits: string[]; cycles: string[] } => {
  const edges = (s: Record<string, unknown>): string[] => [
    ...(typeof s.Next === 'string' ? [s.Next] : []),
    ...(typeof s.Default === 'string' ? [s.Default] : []),
    ...((s.Choices as { Next?: string }[] | undefined) ?? []).flatMap((c) => (c.Next ? [c.Next] : [])),
    ...((s.Catch as { Next?: string }[] | undefined) ?? []).flatMap((c) => (c.Next ? [c.Next] : [])),
  ];
  const cycles: string[] = [];
  const visit = (name: string, path: string[]): void => {
    if (path.includes(name)) {
      cycles.push([...path.slice(path.indexOf(name)), name].join(' → '));
      return;
    }
    for (const next of edges(states[name] ?? {})) visit(next, [...path, name]);
  };
  for (const name of Object.keys(states)) visit(name, []);
  return {
    waits: Object.entries(states)
      .filter(([, s]) => s.Type === 'Wait')
      .map(([n]) => n),
    cycles: [...new Set(cycles)],
  };
};

/** The control whose findings the bundle figures load (the bench's findings are IAM.3, idle access keys, in a member account). */
const BENCH_CONTROL = 'IAM.3';

/**
 * The AWS SDK packages each step itself calls for a bench finding: its baseline is a bare module importing just these.
 * Assess, Remediate and Verify add the clients the control declares for that step (its `permissions`).
 */
const STEP_CLIENTS: Record<string, { clients: string[]; controlStep?: ControlStep }> = {
  intake: { clients: ['client-securityhub', 'client-sfn', 'client-dynamodb', 'lib-dynamodb'] },
  // Re-read the finding, run history and blast limits (DynamoDB), the member role (STS), then the control.
  assess: { clients: ['client-securityhub', 'client-dynamodb', 'lib-dynamodb', 'client-sts'], controlStep: 'assess' },
  remediate: { clients: ['client-sts'], controlStep: 'remediate' },
  verify: { clients: ['client-sts'], controlStep: 'verify' },
  annotate: { clients: ['client-securityhub', 'client-dynamodb', 'lib-dynamodb'] },
  'request-approval': { clients: ['client-securityhub', 'client-sns', 'client-dynamodb', 'lib-dynamodb', 'client-secrets-manager'] },
  'approval-api': { clients: ['client-sfn', 'client-dynamodb', 'lib-dynamodb', 'client-secrets-manager'] },
  // Slack (deployed only when configured): check and queue a click; vote; close a run's message.
  'slack-interactions': { clients: ['client-sqs', 'client-dynamodb', 'lib-dynamodb', 'client-secrets-manager'] },
  'slack-votes': { clients: ['client-sfn', 'client-dynamodb', 'lib-dynamodb', 'client-secrets-manager'] },
  'slack-execution-closed': { clients: ['client-dynamodb', 'lib-dynamodb', 'client-secrets-manager'] },
};

/** The SDK package of an IAM action's service prefix, for the services the bench control declares. */
const SDK_PACKAGE_OF_SERVICE: Record<string, string> = {
  iam: 'client-iam',
  cloudtrail: 'client-cloudtrail',
  ec2: 'client-ec2',
  s3: 'client-s3',
};

const controlClients = (controlId: string, step: ControlStep): string[] => {
  const plugin = plugins.find((p) => p.securityControlIds.includes(controlId));
  if (!plugin) throw new Error(`no control serves ${controlId}`);
  const services = new Set(plugin.permissions[step].map((grant) => (typeof grant === 'string' ? grant : grant.action).split(':')[0]));
  return [...services].map((service) => {
    const sdkPackage = SDK_PACKAGE_OF_SERVICE[service];
    if (!sdkPackage) throw new Error(`the bench does not know the SDK package of ${service} (${plugin.id})`);
    return sdkPackage;
  });
};

interface Bundle {
  name: string;
  /** Bytes a cold start of this function reads: index.mjs and the chunks it imports statically. */
  bytes: number;
  /** Bytes the first finding of the bench control adds (its definition chunk and what only it imports); 0 for other steps. */
  controlBytes: number;
  /** Every .mjs file of the asset (all controls' chunks included), and how many files. */
  assetBytes: number;
  files: number;
  /** Importing index.mjs in a fresh node process. */
  initMs: number;
  /**
   * Then what the first finding loads: the bench control's chunk (Assess, Remediate, Verify) and the SDK clients the step
   * calls that init did not load (e.g. STS for a member account, CloudTrail for an IAM.3 assessment).
   */
  controlMs: number;
  /** A bare module importing only the SDK packages the step calls (baselineClients), in a fresh node process. */
  baselineMs: number;
  baselineClients: string[];
  /** The SDK packages the function loads: at init, then with the bench control's chunk. */
  sdkAtInit: string[];
  sdkWithControl: string[];
  /** Bytes per source group (functions/controls, zod, Powertools, …) of what init reads, largest first. */
  largest: string;
}

type Outputs = Metafile['outputs'];

const sdkSpecifiers = (clients: string[]): string[] => clients.map((c) => `@aws-sdk/${c}`);

/** The output files a file imports statically, itself included: what loading it reads. */
const staticClosure = (outputs: Outputs, file: string, seen = new Set<string>()): Set<string> => {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const i of outputs[file].imports) if (i.kind === 'import-statement' && !i.external) staticClosure(outputs, i.path, seen);
  return seen;
};
const bytesOf = (outputs: Outputs, files: Iterable<string>): number => [...files].reduce((sum, f) => sum + outputs[f].bytes, 0);
const sdkOf = (outputs: Outputs, files: Iterable<string>): string[] => [
  ...new Set(
    [...files].flatMap((f) =>
      outputs[f].imports
        .filter((i) => i.external && i.kind === 'import-statement' && i.path.startsWith('@aws-sdk/'))
        .map((i) => i.path.replace('@aws-sdk/', '')),
    ),
  ),
];

/**
 * Bundles each handler as infra/constructs/hubfix-function.ts does (lambda-bundle.ts: ES modules, code splitting), then
 * times, in fresh node processes, importing it, then the bench control's chunk, beside a bare module importing only the
 * SDK packages the step calls.
 */
const measureBundles = (): Bundle[] => {
  const out = mkdtempSync(join(tmpdir(), 'hubfix-bench-'));
  // ES modules resolve packages from the folders above them (not NODE_PATH): the runtime's @aws-sdk/* is node_modules here.
  symlinkSync(join(REPO, 'node_modules'), join(out, 'node_modules'), 'dir');
  try {
    const entries = readdirSync(join(REPO, 'functions', 'handlers')).filter((f) => f.endsWith('.ts'));
    const plugin = plugins.find((p) => p.securityControlIds.includes(BENCH_CONTROL));
    return entries.map((entry) => {
      const name = entry.replace(/\.ts$/, '');
      const step = STEP_CLIENTS[name];
      if (!step || !plugin) throw new Error(`the bench does not know which SDK clients ${name} calls`);
      const outdir = join(out, name);
      const outputs = bundleLambda(join(REPO, 'functions', 'handlers', entry), outdir).outputs;
      const modules = Object.keys(outputs).filter((f) => f.endsWith('.mjs'));
      const index = modules.find((f) => outputs[f].entryPoint === relative(process.cwd(), join(REPO, 'functions', 'handlers', entry)));
      if (!index) throw new Error(`no index.mjs for ${name}`);
      const init = staticClosure(outputs, index);
      const chunk = step.controlStep
        ? modules.find(
            (f) => outputs[f].entryPoint === relative(process.cwd(), join(REPO, 'functions', 'controls', plugin.id, 'definition.ts')),
          )
        : undefined;
      if (step.controlStep && !chunk) throw new Error(`${name}: the ${plugin.id} definition is not a chunk of its own`);
      const control = chunk ? [...staticClosure(outputs, chunk)].filter((f) => !init.has(f)) : [];
      const groups: Record<string, number> = {};
      for (const file of init)
        for (const [input, { bytesInOutput }] of Object.entries(outputs[file].inputs)) {
          const group = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input.split('/').slice(0, 2).join('/');
          groups[group] = (groups[group] ?? 0) + bytesInOutput;
        }
      const largest = Object.entries(groups)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([group, bytes]) => `${group} ${(bytes / 1024).toFixed(0)} KB`)
        .join(', ');
      const baselineClients = [...step.clients, ...(step.controlStep ? controlClients(BENCH_CONTROL, step.controlStep) : [])];
      // Prints "<ms to the first import>,<ms to the second>": the second is 0 when there is none.
      const timed = (first: string[], second: string[]) => {
        const load = (specs: string[]) => specs.map((m) => `await import(${JSON.stringify(m)});`).join('');
        return (
          `const t0=process.hrtime.bigint();${load(first)}const t1=process.hrtime.bigint();${load(second)}` +
          'const t2=process.hrtime.bigint();process.stdout.write(`${Number(t1-t0)/1e6},${Number(t2-t1)/1e6}`)'
        );
      };
      const env = { ...process.env, AWS_REGION: HOME_REGION, POWERTOOLS_SERVICE_NAME: 'hubfix', HUBFIX_CONFIG: '{}' };
      const sample = (probe: string): number[] =>
        execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: outdir, env, encoding: 'utf8' }).split(',').map(Number);
      const round = (ms: number) => Math.round(ms * 10) / 10;
      const fileUrl = (f: string) => pathToFileURL(resolve(f)).href;
      // The first finding then loads the control's chunk and any SDK client the step calls that init left for first use.
      const fn = timed([fileUrl(index)], [...(chunk ? [fileUrl(chunk)] : []), ...sdkSpecifiers(baselineClients)]);
      const bare = timed(sdkSpecifiers(baselineClients), []);
      // The function and its baseline alternate, so a change in the machine's load falls on both alike.
      const pairs = Array.from({ length: 7 }, () => [sample(fn), sample(bare)]);
      const [initMs, controlMs, baselineMs] = [pairs.map(([f]) => f[0]), pairs.map(([f]) => f[1]), pairs.map(([, b]) => b[0])].map(median);
      return {
        name,
        bytes: bytesOf(outputs, init),
        controlBytes: bytesOf(outputs, control),
        assetBytes: bytesOf(outputs, modules),
        files: modules.length,
        initMs: round(initMs),
        controlMs: round(controlMs),
        baselineMs: round(baselineMs),
        baselineClients,
        sdkAtInit: sdkOf(outputs, init),
        sdkWithControl: sdkOf(outputs, control),
        largest,
      };
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
};

/** Init and the first finding's loads, as a multiple of the bare-SDK baseline. */
const initRatio = (b: Bundle): number => (b.initMs + b.controlMs) / b.baselineMs;

const describeBundle = (b: Bundle): string =>
  `${(b.bytes / 1024).toFixed(1)} KB read at init (${b.largest})` +
  (b.controlBytes ? ` + ${(b.controlBytes / 1024).toFixed(1)} KB for an ${BENCH_CONTROL} finding` : '') +
  `; asset ${(b.assetBytes / 1024).toFixed(1)} KB in ${b.files} file(s). Init ${b.initMs} ms` +
  ` + ${b.controlMs} ms for the first ${BENCH_CONTROL} finding (its control and the clients init left for first use)` +
  ` vs ${b.baselineMs} ms for a bare module importing ${b.baselineClients.join(', ')} (× ${initRatio(b).toFixed(2)}). ` +
  `SDK loaded: ${b.sdkAtInit.join(', ') || 'none'} at init${
    b.sdkWithControl.length ? `, ${b.sdkWithControl.join(', ')} with the control` : ''
  }`;

/** `--bundles`: the bundle figures alone, as a table (no stack synthesis, no workflow runs, no load run). */
const bundleTable = (bundles: Bundle[]): string =>
  [
    '| function | KB at init | + KB for an IAM.3 finding | KB asset (files) | init ms | + first finding ms | bare SDK ms | × | SDK ' +
      'at init (+ control) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...bundles
      .map((b) =>
        [
          b.name,
          (b.bytes / 1024).toFixed(1),
          b.controlBytes ? (b.controlBytes / 1024).toFixed(1) : '',
          `${(b.assetBytes / 1024).toFixed(1)} (${b.files})`,
          b.initMs,
          b.controlMs,
          b.baselineMs,
          initRatio(b).toFixed(2),
          `${b.sdkAtInit.join(' ')}${b.sdkWithControl.length ? ` (+ ${b.sdkWithControl.join(' ')})` : ''}`,
        ].join(' | '),
      )
      .map((row) => `| ${row} |`),
  ].join('\n');

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const main = async (): Promise<void> => {
  const json = process.argv.includes('--json');
  const findings = Number(argValue('--findings') ?? 1000);
  const accounts = Number(argValue('--accounts') ?? 20);
  const progress = (message: string) => {
    if (!json) process.stderr.write(`… ${message}\n`);
  };

  if (process.argv.includes('--bundles')) {
    progress('bundling and loading the functions');
    const bundles = measureBundles();
    process.stdout.write(json ? `${JSON.stringify({ bundles })}\n` : `${bundleTable(bundles)}\n`);
    return;
  }
  progress('synthesizing the stack');
  const workflow = loadWorkflow();
  progress('running one finding per path');
  const autoHome = await runOne(workflow, HOME_ACCOUNT, 'ci-home', 'none');
  const autoMember = await runOne(workflow, MEMBER_ACCOUNT, 'ci-member', 'none');
  const approval = await runOne(workflow, HOME_ACCOUNT, 'orders-service', 'approve');
  const loops = pollingLoops(workflow.definition.States);
  const taskStates = new Set(
    Object.entries(workflow.definition.States)
      .filter(([, s]) => s.Type === 'Task')
      .map(([n]) => n),
  );
  const criticalPath = autoMember.states.filter((s) => taskStates.has(s));
  progress('bundling and loading the functions');
  const bundles = measureBundles();
  progress(`load: ${findings} findings over ${accounts} member accounts, throttled (this takes a minute)`);
  const load: LoadReport = await runLoad({ findings, accounts, workflow, throttles: realisticThrottles });

  const apiCallsAuto = total(autoMember.calls);
  const figures: Figure[] = [
    {
      name: 'State transitions per finding, automatic path',
      value: `${autoMember.states.length} (${autoMember.states.join(' → ')})`,
      target: `≤ ${TARGETS.transitionsAuto}`,
      met: autoMember.states.length <= TARGETS.transitionsAuto,
      method: 'states entered by one execution (LocalExecution.states) of the synthesized definition, an idle key fixed automatically',
    },
    {
      name: 'State transitions per finding, approval path',
      value: `${approval.states.length} (${approval.states.join(' → ')})`,
      target: `≤ ${TARGETS.transitionsApproval}`,
      met: approval.states.length <= TARGETS.transitionsApproval,
      method: 'the same, for a production key approved through the real approval page',
    },
    {
      name: 'AWS API calls per finding, automatic path (member account)',
      value: `${apiCallsAuto}: ${describeCalls(autoMember.calls)}`,
      target: `≤ ${TARGETS.apiCallsAuto}`,
      met: apiCallsAuto <= TARGETS.apiCallsAuto,
      method:
        "every command the simulated account served for the run (sim.calls), from intake's StartExecution to the annotation; " +
        `DynamoDB calls are extra (${total(autoMember.dynamoCalls)}: ${describeCalls(autoMember.dynamoCalls)})`,
    },
    {
      name: 'AWS API calls per finding, automatic path (home account)',
      value: `${total(autoHome.calls)}: ${describeCalls(autoHome.calls)}`,
      target: `≤ ${TARGETS.apiCallsAuto}`,
      met: total(autoHome.calls) <= TARGETS.apiCallsAuto,
      method: `the same for a finding in hubfix's own account (no member role to assume); DynamoDB extra: ${total(autoHome.dynamoCalls)}`,
    },
    {
      name: 'Polling loops in the definition',
      value:
        loops.waits.length + loops.cycles.length === 0
          ? 'none'
          : `Wait states: ${loops.waits.join(', ') || 'none'}; cycles: ${loops.cycles.join('; ') || 'none'}`,
      target: 'none',
      met: loops.waits.length + loops.cycles.length === 0,
      method: 'Wait states and cycles over Next/Choices/Default/Catch edges of the synthesized definition (Retry is backoff, not polling)',
    },
    {
      name: 'Sequential steps on the automatic critical path',
      value: `${criticalPath.length + 1} Lambda invocations (intake → ${criticalPath.join(' → ')}), ${apiCallsAuto} API calls`,
      method: 'intake plus the Task states the automatic execution entered; each waits for the previous one',
    },
    ...bundles.map((b) => ({
      name: `Bundle ${b.name}`,
      value: describeBundle(b),
      target: `≤ ${TARGETS.bundleBytes / 1024} KB read for a finding, init ≤ ${TARGETS.initRatio} × the bare-SDK baseline`,
      met: b.bytes + b.controlBytes <= TARGETS.bundleBytes && initRatio(b) <= TARGETS.initRatio,
      method:
        'infra/constructs/lambda-bundle.ts as HubfixFunction bundles it (esbuild: ESM, code splitting, minify, node22, @aws-sdk/* ' +
        'external); ' +
        `times = medians of 7 dynamic imports in fresh node ${process.version} (SDK from node_modules), function and baseline alternating`,
    })),
    {
      name: `Sandbox throughput, ${findings} findings`,
      value:
        `${load.findingsPerSecond.toFixed(1)} findings/s (${load.seconds.toFixed(1)} s); lost ${load.lost}, failed for throttling ` +
        `${load.failedForThrottling}; ` +
        `outcomes ${JSON.stringify(load.outcomes)}; throttled requests ${JSON.stringify(load.throttled)}; intake redeliveries ` +
        `${load.redeliveries}, DLQ ${load.deadLettered}; asked a person (a signal still throttled: risk unknown) ` +
        `${load.approvals.asked}, approved ${load.approvals.answered}`,
      target: 'lost 0, failed for throttling 0',
      met: load.lost === 0 && load.failedForThrottling === 0,
      method:
        `${findings} IAM.3 findings over ${accounts} member accounts, custom-action events of 20 through SQS → intake (5 concurrent); ` +
        "IAM 10/s burst 20 per account, EC2 documented buckets, CloudTrail LookupEvents 2/s per account-region; the definition's own " +
        'Retry timings; one 2-core machine',
    },
  ];

  if (json) {
    process.stdout.write(
      `${JSON.stringify({
        transitionsAuto: autoMember.states.length,
        transitionsApproval: approval.states.length,
        apiCallsAuto,
        apiCallsAutoHomeAccount: total(autoHome.calls),
        dynamoCallsAuto: total(autoMember.dynamoCalls),
        apiCallsAutoByCommand: autoMember.calls,
        pollingLoops: loops.waits.length + loops.cycles.length,
        criticalPathSteps: criticalPath.length + 1,
        bundles,
        findingsPerSecond: Math.round(load.findingsPerSecond * 10) / 10,
        lost: load.lost,
        failedForThrottling: load.failedForThrottling,
        load,
        targetsMissed: figures.filter((f) => f.met === false).map((f) => f.name),
      })}\n`,
    );
    return;
  }
  for (const f of figures) {
    const verdict = f.met === undefined ? '' : f.met ? '  [target met]' : `  [TARGET MISSED: ${f.target}]`;
    process.stdout.write(`${f.name}: ${f.value}${verdict}\n    target: ${f.target ?? '—'}\n    method: ${f.method}\n`);
  }
  const missed = figures.filter((f) => f.met === false);
  process.stdout.write(
    missed.length === 0 ? '\nEvery target met.\n' : `\n${missed.length} target(s) missed: ${missed.map((f) => f.name).join('; ')}\n`,
  );
};

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
