import type { ClientFactory, Target } from '../../functions/platform/clients';
import { withAccess } from '../../functions/platform/clients';
import { defaultConfig, parseConfig, type HubfixConfig } from '../../functions/platform/config';
import type { ChangeRecord, FindingRef, Plan } from '../../functions/findings/types';
import { pluginFor } from '../../functions/controls/registry';
import type { ControlContext } from '../../functions/controls/types';
import { assessFinding } from '../../functions/workflow/routing';
import { parseFixture } from '../../sandbox/fixture';
import { SimulatedAws } from '../../sandbox/simulated-aws';
import { simulatedClientFactory } from '../../sandbox/simulated-clients';
import { findingRef, type TestResource } from '../support/finding-ref';
import { MotoUnimplemented, type MotoClientFactory } from './moto-clients';
import { MOTO_HOME_ACCOUNT } from './moto-server';

/**
 * One control family's differential case: a starting state seeded into moto through SDK calls, the same state as a
 * simulated fixture, and how to re-read the resource through the SDK. The case then runs assess (the workflow's route)
 * → remediate → verify → rollback against each backend and the suite compares the two.
 */

export const MEMBER_ACCOUNT = '222222222222';
export const REGION = 'us-east-1';
export const member: Target = { accountId: MEMBER_ACCOUNT, region: REGION };

export interface Seeded {
  /** The finding's resource (ids as moto made them: the fixture reuses them, so both backends hold the same ids). */
  resource: TestResource;
  /** Ids and values the fixture and the reader need. */
  ids: Record<string, string>;
}

export interface FamilyCase {
  family: string;
  controlId: string;
  /** Creates the starting state in moto's member account (remediate role), through the SDK. */
  seed?(clients: ClientFactory): Promise<Seeded>;
  /** The same starting state as the member account's simulated fixture sections. */
  fixture?(seeded: Seeded): Record<string, unknown>;
  /** The resource's state, re-read through the SDK (inspect role), compared between backends. */
  read?(clients: ClientFactory, seeded: Seeded): Promise<unknown>;
  /** A manual family: it makes no AWS call; only the route is compared. */
  resource?: TestResource;
  config?: unknown;
  /** Why the assessment's route cannot be compared (moto cannot hold a signal the case needs); the change path still is. */
  routeNotComparable?: string;
  /** Clock the controls see (default: the real one, as moto stamps creation dates with it). */
  now?: () => Date;
}

export interface PhaseResult<T> {
  ok?: T;
  error?: string;
  unimplemented?: string;
}

export interface BackendRun {
  start?: unknown;
  route?: PhaseResult<{ route: string; skip?: string; risk?: string; reason: string }>;
  remediate?: PhaseResult<string>;
  afterRemediate?: unknown;
  verify?: PhaseResult<string>;
  rollback?: PhaseResult<string>;
  afterRollback?: unknown;
}

/** Unimplemented calls a backend saw since last asked (moto's clients track them; the simulation has none). */
const unimplementedOf = (clients: ClientFactory): (() => string[]) => {
  const tracked = clients as Partial<MotoClientFactory>;
  return () => tracked.takeUnimplemented?.() ?? [];
};

/**
 * Runs one phase. A phase that met an unimplemented call is unimplemented even when the control caught the error (a
 * signal read as unseen): its result rests on moto's gap, not on AWS's behaviour.
 */
const phase = async <T>(work: () => Promise<T>, unimplemented: () => string[]): Promise<PhaseResult<T>> => {
  unimplemented();
  try {
    const ok = await work();
    const missed = unimplemented();
    return missed.length > 0 ? { unimplemented: missed.join(', ') } : { ok };
  } catch (error) {
    if (error instanceof MotoUnimplemented) return { unimplemented: error.call };
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof MotoUnimplemented) return { unimplemented: cause.call };
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
};

const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const configOf = (c: FamilyCase): HubfixConfig => (c.config === undefined ? defaultConfig() : parseConfig(c.config, `${c.family} config`));

export const findingOf = (c: FamilyCase, seeded: Seeded): FindingRef =>
  findingRef(c.controlId, seeded.resource, { accountId: MEMBER_ACCOUNT, region: REGION, id: `moto-${c.family}` });

/**
 * Runs one case against one backend's clients. Assess routes as the workflow does; the change path runs with the plan
 * of `planFrom` when given (the simulation's, when moto cannot assess), so moto's change path is compared even then.
 */
export const runCase = async (
  c: FamilyCase,
  clients: ClientFactory,
  seeded: Seeded,
  planFrom?: Plan,
): Promise<{ run: BackendRun; plan?: Plan }> => {
  const plugin = pluginFor(c.controlId);
  if (!plugin) throw new Error(`No control serves ${c.controlId}`);
  const now = c.now ?? (() => new Date());
  const context = (access: 'inspect' | 'remediate'): ControlContext => ({ clients: withAccess(clients, access), config: configOf(c), now });
  const finding = findingOf(c, seeded);
  const read = async () => (c.read ? json(await c.read(withAccess(clients, 'inspect'), seeded)) : undefined);
  const missed = unimplementedOf(clients);
  const run: BackendRun = { start: await read() };
  let plan: Plan | undefined;
  run.route = await phase(async () => {
    const assessed = await assessFinding(
      { finding, action: 'remediate', trigger: 'custom-action', receivedAt: now().toISOString() },
      context('inspect'),
    );
    plan = assessed.plan && json(assessed.plan);
    return { route: assessed.route, skip: assessed.skip, risk: assessed.risk, reason: assessed.routeReason };
  }, missed);
  const toApply = plan ?? planFrom;
  if (!toApply || plugin.automation === 'manual') return { run, plan };
  let change: ChangeRecord | undefined;
  run.remediate = await phase(async () => {
    change = json(await plugin.remediate(finding, json(toApply), context('remediate')));
    return change.summary;
  }, missed);
  run.afterRemediate = await read();
  if (!change) return { run, plan };
  const applied = change;
  run.verify = await phase(() => plugin.verify(finding, json(applied), context('inspect')), missed);
  run.rollback = await phase(async () => (await plugin.rollback(finding, json(applied), context('remediate'))).summary, missed);
  run.afterRollback = await read();
  return { run, plan };
};

/** A simulated organization holding the seeded state: moto's home account as home, the member account with the fixture. */
export const simulatedClients = (c: FamilyCase, seeded: Seeded): { sim: SimulatedAws; clients: ClientFactory } => {
  const fixture = parseFixture(
    {
      homeAccountId: MOTO_HOME_ACCOUNT,
      homeRegion: REGION,
      accounts: {
        [MOTO_HOME_ACCOUNT]: { name: 'security-tooling' },
        [MEMBER_ACCOUNT]: { name: 'workloads', ...(c.fixture?.(seeded) ?? {}) },
      },
    },
    `moto case ${c.family}`,
  );
  const now = c.now ?? (() => new Date());
  const sim = new SimulatedAws(fixture, now);
  sim.strictMemberRoles = true;
  const clients = simulatedClientFactory(sim, {
    homeAccountId: MOTO_HOME_ACCOUNT,
    homeRegion: REGION,
    dynamoEndpoint: 'http://127.0.0.1:9',
  });
  return { sim, clients };
};

/** Arrays of plain values sorted and keys ordered, so two states compare regardless of listing order. */
export const canonical = (value: unknown): unknown => {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    return [...items].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  return value;
};
