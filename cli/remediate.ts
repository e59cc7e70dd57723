import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { parseFinding, type ParsedEvent } from '../functions/findings/asff';
import { readFindingsById } from '../functions/findings/finding-source';
import type { Requester } from '../functions/findings/requester';
import type { RequestedAction } from '../functions/findings/types';
import { CUSTOM_ACTIONS, planIntake, skipNote, type IntakePlan } from '../functions/intake/intake-decisions';
import { executeIntakePlan, type IntakeRun, type IntakeSummary } from '../functions/intake/intake-run';
import type { AnyClient, ClientCtor, ClientFactory } from '../functions/platform/clients';
import type { HubfixConfig } from '../functions/platform/config';
import { oneLine } from '../functions/platform/untrusted-text';
import type { Runtime, Settings } from '../functions/platform/runtime';
import { OPERATOR_START_ROLE_OUTPUT } from '../infra/operator-access';
import { assumedRoleCredentials, clientSettings, outputOf, type AwsOptions, type Deployment } from './aws';

/**
 * `hubfix remediate`: an operator starts hubfix on findings as themselves. The findings are read from Security Hub by
 * id (what the operator types only points at them) and go through intake's own plan and run: the policy, the re-read,
 * the per-resource locks, the deterministic execution names, a note on every finding not taken. Each run names the
 * caller sts:GetCallerIdentity returned as its requester, who then cannot approve it: a custom action, with the
 * person known.
 */

/** As many findings as one Security Hub custom action sends. */
export const MAX_OPERATOR_FINDINGS = 100;

export interface OperatorRequest {
  findingIds: string[];
  action: RequestedAction;
  requestedBy: Requester;
}

export interface OperatorRunResult {
  /** Runs started, or already running for that finding (joined). */
  runs: IntakeRun[];
  /** Findings annotated with why hubfix did not act, or (imported-only reasons) left alone. */
  notTaken: { findingId: string; reason: string }[];
  /** Ids Security Hub holds no finding for. */
  notFound: string[];
  summary?: IntakeSummary;
}

const actionIdOf = (action: RequestedAction): string => {
  const id = Object.entries(CUSTOM_ACTIONS).find(([, a]) => a === action)?.[0];
  if (!id) throw new Error(`no hubfix custom action does "${action}"`);
  return id;
};

/** Starts hubfix on the findings as the requester, through intake's plan and run; returns what happened to each. */
export const startAsOperator = async (rt: Runtime, request: OperatorRequest): Promise<OperatorRunResult> => {
  if (request.findingIds.length === 0) throw new Error('Name at least one finding (--finding <id>)');
  if (request.findingIds.length > MAX_OPERATOR_FINDINGS)
    throw new Error(`At most ${MAX_OPERATOR_FINDINGS} findings at once, as a custom action sends (got ${request.findingIds.length})`);
  const findings = await readFindingsById(rt.clients.home(SecurityHubClient), request.findingIds);
  const held = new Set(findings.map((f) => f.Id));
  const notFound = [...new Set(request.findingIds)].filter((id) => !held.has(id));
  if (findings.length === 0) return { runs: [], notTaken: [], notFound };
  const event: ParsedEvent = {
    kind: 'custom-action',
    actionId: actionIdOf(request.action),
    findings: findings.map((f) => parseFinding(f)),
  };
  const plan: IntakePlan = planIntake(event, rt.config, { receivedAt: rt.now().toISOString() });
  const outcomes: IntakeRun[] = [];
  // executeIntakePlan adds the skips its re-read finds to plan.skip: they are reported with the others.
  const summary = await executeIntakePlan(plan, rt, { requestedBy: request.requestedBy, onRun: (run) => outcomes.push(run) });
  return {
    runs: outcomes.filter((r) => r.outcome !== 'busy'),
    notTaken: [
      ...outcomes
        .filter((r) => r.outcome === 'busy')
        .map((r) => ({
          findingId: r.findingId,
          reason: `another hubfix run (${r.executionName}) is changing its resource right now; run this again once it has finished`,
        })),
      ...plan.skip.map((s) => ({ findingId: s.identifier.id, reason: skipNote(s) })),
      ...plan.drop.map((d) => ({ findingId: '-', reason: d.reason })),
    ],
    notFound,
    summary,
  };
};

/** The names intake reads, from the stack's outputs; a function that needs another fails loudly. */
const deployedSettings = (deployment: Deployment): Settings => {
  const known: Partial<Settings> = {
    stateMachineArn: outputOf(deployment, 'StateMachineArn'),
    lockTableName: outputOf(deployment, 'LockTableName'),
    auditTableName: outputOf(deployment, 'AuditTableName'),
  };
  return new Proxy(known as Settings, {
    get: (target, key: string) => {
      if (key in target) return target[key as keyof Settings];
      throw new Error(`hubfix remediate does not know the deployment's ${key}`);
    },
  });
};

/**
 * The stack's operator start role (present when `operators.principalArns` names anyone), assumed with the operator's
 * credentials, the session named after the person so CloudTrail shows who started the runs.
 */
export const startRoleCredentials = (
  deployment: Deployment,
  options: AwsOptions,
  requester: Requester,
): AwsCredentialIdentityProvider | undefined => {
  const roleArn = deployment.outputs[OPERATOR_START_ROLE_OUTPUT];
  if (!roleArn) return undefined;
  const named = (requester.userName ?? '').replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  const sts = new STSClient(clientSettings(options, deployment.region));
  return assumedRoleCredentials(sts, roleArn, named.length >= 2 ? named : 'hubfix-remediate');
};

/**
 * Intake's runtime in the deployment's account and region, on the start role's credentials or the operator's own. Intake
 * acts only there (Security Hub, the lock and audit tables, the state machine); the runs it starts reach the members.
 */
export const operatorRuntime = (
  deployment: Deployment,
  options: AwsOptions,
  config: HubfixConfig,
  credentials?: AwsCredentialIdentityProvider,
): Runtime => {
  const clients = new Map<unknown, AnyClient>();
  const settings = { ...clientSettings(options, deployment.region), ...(credentials ? { credentials } : {}) };
  const factory: ClientFactory = {
    home: <C extends AnyClient>(ctor: ClientCtor<C>): C => {
      if (!clients.has(ctor)) clients.set(ctor, new ctor(settings));
      return clients.get(ctor) as C;
    },
    at: () => {
      throw new Error('hubfix remediate acts in the hubfix account only: the runs it starts reach the members');
    },
  };
  return { clients: factory, config, settings: deployedSettings(deployment), now: () => new Date() };
};

/** What the operator reads after the command; finding-derived text made one line (no escape sequence reaches the terminal). */
export const formatOperatorRun = (result: OperatorRunResult, deployment: Deployment): string => {
  const counts = result.summary;
  return [
    ...result.runs.map(
      (r) =>
        `${r.outcome === 'joined' ? 'Already running' : 'Started'} ${r.executionName}: ${oneLine(r.controlId)} ${oneLine(r.findingId)}`,
    ),
    ...result.notTaken.map((n) => `Not taken ${oneLine(n.findingId)}: ${oneLine(n.reason)}`),
    ...result.notFound.map((id) => `Not found ${oneLine(id)}: Security Hub holds no finding with this id in ${deployment.region}`),
    counts
      ? `${counts.started} run(s) started, ${counts.duplicates} already running, ${counts.annotatedSkipped} finding(s) annotated ` +
        `with why hubfix did not act (state machine ${outputOf(deployment, 'StateMachineArn')}).`
      : 'Nothing was started.',
    ...(result.runs.length > 0 ? ['A run that needs a person emails the approvers; you started it, so you cannot approve it.'] : []),
  ].join('\n');
};
