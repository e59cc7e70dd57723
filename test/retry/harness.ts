import { withAccess } from '../../functions/platform/clients';
import type { ChangeRecord, FindingRef, Plan } from '../../functions/findings/types';
import type { ControlContext, ControlPlugin } from '../../functions/controls/types';
import { SimulatedAws, SimulatedServiceError, type ServedCall } from '../../sandbox/simulated-aws';
import { simulatedClientFactory } from '../../sandbox/simulated-clients';
import type { Scenario } from './scenarios';

/**
 * One fresh simulated organization per run, and the faults a retried Step Functions task meets. Plans and change
 * records cross a JSON boundary (the execution's state) on their way between steps, so they do here too.
 */

export const NOW = new Date('2026-11-22T12:00:00.000Z');

export type Snapshot = ReturnType<SimulatedAws['snapshot']>;

export interface World {
  sim: SimulatedAws;
  /** Assess and Verify: the read-only member role. */
  inspect: ControlContext;
  /** Remediate and rollback: the write role, as the Remediate step hands it to the plugin. */
  remediate: ControlContext;
}

/** What crosses a Step Functions state boundary: JSON, nothing else. */
export const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export const worldOf = (scenario: Scenario): World => {
  const sim = new SimulatedAws(scenario.fixture, () => NOW);
  sim.strictMemberRoles = true;
  const clients = simulatedClientFactory(sim, {
    homeAccountId: scenario.fixture.homeAccountId,
    homeRegion: scenario.fixture.homeRegion,
    dynamoEndpoint: 'http://127.0.0.1:9',
  });
  const context = (access: 'inspect' | 'remediate'): ControlContext => ({
    clients: withAccess(clients, access),
    config: scenario.config,
    now: () => NOW,
  });
  return { sim, inspect: context('inspect'), remediate: context('remediate') };
};

/** The throttling error each service answers with (the names the SDK and hubfix's isThrottling recognise). */
const THROTTLING: Readonly<Record<string, string>> = {
  IAM: 'Throttling',
  EC2: 'RequestLimitExceeded',
  S3: 'SlowDown',
  CloudWatch: 'Throttling',
  STS: 'Throttling',
};

export const throttlingError = (call: ServedCall): SimulatedServiceError =>
  new SimulatedServiceError(THROTTLING[call.service] ?? 'ThrottlingException', 'Rate exceeded', { throttling: true });

/** Throttles the `n`th call served from now on (1-based); every other call goes through. */
export const throttleCall = (sim: SimulatedAws, n: number): void => {
  let seen = 0;
  sim.faults = (call) => {
    seen += 1;
    if (seen === n) throw throttlingError(call);
  };
};

export const noFaults = (sim: SimulatedAws): void => {
  sim.faults = undefined;
};

/**
 * Delivers the `n`th call served from now on twice: AWS applies it, its response is lost on the way back, and the
 * SDK sends the same request again (what its retry strategy does on a timeout or a reset connection). The caller sees
 * the answer to the second delivery. Returns a function that stops it.
 */
export const deliverCallTwice = (sim: SimulatedAws, n: number): (() => void) => {
  const serve = sim.handle.bind(sim);
  let seen = 0;
  sim.handle = async (clientName, commandName, input, ctx) => {
    seen += 1;
    if (seen !== n) return serve(clientName, commandName, input, ctx);
    await serve(clientName, commandName, structuredClone(input), ctx);
    return serve(clientName, commandName, input, ctx);
  };
  return () => {
    sim.handle = serve;
  };
};

/** How many AWS calls `work` makes (STS included). */
export const countCalls = async <T>(sim: SimulatedAws, work: () => Promise<T>): Promise<{ result: T; calls: number }> => {
  const before = sim.calls.length;
  const result = await work();
  return { result, calls: sim.calls.length - before };
};

/** Arrays of plain values sorted, so two states compare regardless of the order a service lists things in. */
export const unordered = (value: unknown): unknown => {
  if (Array.isArray(value)) {
    const items = value.map(unordered);
    return items.every((item) => typeof item !== 'object' || item === null) ? [...items].sort() : items;
  }
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unordered(v)]));
  return value;
};

export const label = (scenario: Scenario, finding: FindingRef): string =>
  `${scenario.name} ${finding.controlId} ${finding.accountId} ${finding.resource.id}`;

/** Assess in a world: the plan as Step Functions carries it to Remediate. */
export const planIn = async (plugin: ControlPlugin, world: World, finding: FindingRef): Promise<Plan | undefined> => {
  const assessment = await plugin.assess(finding, world.inspect);
  return assessment.blocked || assessment.notApplicable || !assessment.plan ? undefined : json(assessment.plan);
};

export const remediateIn = async (plugin: ControlPlugin, world: World, finding: FindingRef, plan: Plan): Promise<ChangeRecord> =>
  json(await plugin.remediate(finding, json(plan), world.remediate));

export const rollbackIn = async (plugin: ControlPlugin, world: World, finding: FindingRef, change: ChangeRecord): Promise<ChangeRecord> =>
  json(await plugin.rollback(finding, json(change), world.remediate));

/**
 * What the Verify step checks after an undo: the control's own check, read afresh, fails again (it finds a change to make).
 * Returns the plan summary it would propose, or why it would not.
 */
export const undoneCheck = async (plugin: ControlPlugin, world: World, finding: FindingRef): Promise<string> => {
  const assessment = await plugin.assess(finding, world.inspect);
  return assessment.plan ? 'fails again as before the fix' : `still passes: ${assessment.riskReason}`;
};

export interface Case {
  scenario: Scenario;
  finding: FindingRef;
  label: string;
  /** The plan of a clean assessment, as it reaches Remediate. */
  plan: Plan;
}

/**
 * The scenario findings that assess plans a change for (blocked, compliant and not-applicable ones change nothing). A
 * plugin that changes resources and gets no such finding from its scenarios is not covered: that throws, naming the fix.
 */
export const plannedCases = async (plugin: ControlPlugin, scenarios: Scenario[]): Promise<Case[]> => {
  const found: Case[] = [];
  for (const scenario of scenarios) {
    for (const finding of scenario.findings) {
      const plan = await planIn(plugin, worldOf(scenario), finding);
      if (plan) found.push({ scenario, finding, label: label(scenario, finding), plan });
    }
  }
  if (found.length === 0) {
    throw new Error(
      `${plugin.id} changes resources but no scenario gives it a finding to remediate (scenarios: ` +
        `${scenarios.map((s) => s.name).join(', ') || 'none'}): ` +
        `add functions/controls/${plugin.id}/scenario.json and scenario-event.json, or an extra scenario in test/retry/scenarios.ts`,
    );
  }
  return found;
};
