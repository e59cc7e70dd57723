import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { buildSync } from 'esbuild';
import { defaultConfig } from '../functions/platform/config';
import { parseFixture } from '../sandbox/fixture';
import { LocalCloud } from '../sandbox/local-cloud';
import { runEvent } from '../sandbox/session';
import { HOME_ACCOUNT, HOME_REGION, loadWorkflow, runLoad, type LoadReport } from './load';
import { realisticThrottles } from './token-bucket';

/**
 * `npm run bench [-- --json] [-- --findings N]`: the figures the issue asks for, each measured here and
 * printed with the method behind it and its target. Nothing is estimated: every number comes from running
 * the synthesized workflow on the local cloud, or from bundling and loading the real functions.
 */

const REPO = resolve(__dirname, '..');
const TARGETS = { transitionsAuto: 12, transitionsApproval: 16, apiCallsAuto: 10, bundleBytes: 200 * 1024, initMs: 50 };
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

interface Bundle {
  name: string;
  bytes: number;
  initMs: number;
  /** Of initMs: loading the @aws-sdk/* packages the bundle imports (provided by the Lambda runtime, not bundled). */
  sdkInitMs: number;
  /** Bytes per source group (functions/controls, zod, Powertools, …), largest first. */
  largest: string;
}

/** Bundles each handler as infra/constructs/hubfix-function.ts does, then times `require` in fresh node processes. */
const measureBundles = (): Bundle[] => {
  const out = mkdtempSync(join(tmpdir(), 'hubfix-bench-'));
  try {
    const entries = readdirSync(join(REPO, 'functions', 'handlers')).filter((f) => f.endsWith('.ts'));
    return entries.map((entry) => {
      const name = entry.replace(/\.ts$/, '');
      const outfile = join(out, `${name}.js`);
      const { metafile } = buildSync({
        metafile: true,
        entryPoints: [join(REPO, 'functions', 'handlers', entry)],
        bundle: true,
        minify: true,
        platform: 'node',
        target: 'node22',
        format: 'cjs',
        external: ['@aws-sdk/*'],
        outfile,
        logLevel: 'silent',
      });
      const output = Object.values(metafile.outputs)[0];
      const sdkModules = [...new Set(output.imports.filter((i) => i.external && i.path.startsWith('@aws-sdk/')).map((i) => i.path))];
      const groups: Record<string, number> = {};
      for (const [file, input] of Object.entries(output.inputs)) {
        const group = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file.split('/').slice(0, 2).join('/');
        groups[group] = (groups[group] ?? 0) + input.bytesInOutput;
      }
      const largest = Object.entries(groups)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([group, bytes]) => `${group} ${(bytes / 1024).toFixed(0)} KB`)
        .join(', ');
      const timed = (modules: string[]) =>
        `const t=process.hrtime.bigint();${modules.map((m) => `require(${JSON.stringify(m)});`).join('')}process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
      const env = {
        ...process.env,
        NODE_PATH: join(REPO, 'node_modules'), // the Lambda runtime provides @aws-sdk/*; here node_modules does
        AWS_REGION: HOME_REGION,
        POWERTOOLS_SERVICE_NAME: 'hubfix',
        HUBFIX_CONFIG: '{}',
      };
      const run = (probe: string) =>
        median(Array.from({ length: 5 }, () => Number(execFileSync(process.execPath, ['-e', probe], { env, encoding: 'utf8' }))));
      const round = (ms: number) => Math.round(ms * 10) / 10;
      return {
        name,
        bytes: statSync(outfile).size,
        initMs: round(run(timed([outfile]))),
        sdkInitMs: round(run(timed(sdkModules))),
        largest,
      };
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
};

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
      value: `${(b.bytes / 1024).toFixed(1)} KB minified (${b.largest}), init ${b.initMs} ms of which ${b.sdkInitMs} ms loading the AWS SDK clients it imports`,
      target: `≤ ${TARGETS.bundleBytes / 1024} KB, ≤ ${TARGETS.initMs} ms`,
      met: b.bytes <= TARGETS.bundleBytes && b.initMs <= TARGETS.initMs,
      method: `esbuild as NodejsFunction bundles it (minify, node22, cjs, @aws-sdk/* external); init = median of 5 \`require\` in a fresh node ${process.version} (SDK from node_modules)`,
    })),
    {
      name: `Sandbox throughput, ${findings} findings`,
      value:
        `${load.findingsPerSecond.toFixed(1)} findings/s (${load.seconds.toFixed(1)} s); lost ${load.lost}, failed for throttling ${load.failedForThrottling}; ` +
        `outcomes ${JSON.stringify(load.outcomes)}; throttled requests ${JSON.stringify(load.throttled)}; intake redeliveries ${load.redeliveries}, DLQ ${load.deadLettered}`,
      target: 'lost 0, failed for throttling 0',
      met: load.lost === 0 && load.failedForThrottling === 0,
      method:
        `${findings} IAM.3 findings over ${accounts} member accounts, custom-action events of 20 through SQS → intake (5 concurrent); ` +
        "IAM 10/s burst 20 per account, EC2 documented buckets, CloudTrail LookupEvents 2/s per account-region; the definition's own Retry timings; one 2-core machine",
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
