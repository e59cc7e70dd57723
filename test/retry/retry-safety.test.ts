import { asStepError, ThrottledError } from '../../functions/platform/errors';
import type { ChangeRecord, Plan } from '../../functions/findings/types';
import { plugins } from '../../functions/controls/registry';
import type { ControlPlugin } from '../../functions/controls/types';
import {
  countCalls,
  deliverCallTwice,
  json,
  noFaults,
  planIn,
  plannedCases,
  remediateIn,
  rollbackIn,
  throttleCall,
  undoneCheck,
  unordered,
  worldOf,
  type Case,
  type Snapshot,
  type World,
} from './harness';
import { scenariosOf } from './scenarios';

// A throttled call fails the task at once, as it does once the SDK's own attempts are spent: what is under test is
// the Step Functions retry of the whole task (Remediate's Retry on ThrottledError), not the SDK's retry of one call.
process.env.AWS_MAX_ATTEMPTS = '1';

/**
 * Retry safety of every control that changes something (issue 13, item 5). Step Functions runs the Remediate task
 * again after a lost response (Lambda service errors) and after throttling (ThrottledError), with the same input: the
 * same plan, or for an undo the same change record. For every plugin of the registry that is not manual-only, and every
 * finding of its scenarios that assess plans a change for, remediate and rollback must each:
 *   - run twice in a row (the second a retry after a lost response): no error, the end state of one clean run, the
 *     change record of one clean run (so rollback still restores the original state), Verify passing;
 *   - fail on a throttled call at each point of the run, then be retried: the same;
 *   - meet a call AWS applied but whose response was lost, so the SDK sent it again: the same.
 * The clean run is the reference: what one uninterrupted remediate (and rollback) does in a fresh organization.
 */

interface CleanRun extends Case {
  initial: Snapshot;
  record: ChangeRecord;
  remediateCalls: number;
  remediated: Snapshot;
  verified: string;
  rollbackRecord: ChangeRecord;
  rollbackCalls: number;
  rolledBack: Snapshot;
  undone: string;
}

/** The error name the state machine sees for a failed attempt (after the handler's asStepError), or "none". */
const stepErrorOf = (attempted: { failure?: unknown }): string =>
  attempted.failure === undefined ? 'none' : ((asStepError(attempted.failure) as Error).name ?? 'unknown');

const changing = plugins.filter((plugin) => plugin.automation !== 'manual');

const errorText = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

interface Attempt<T> {
  value?: T;
  /** The error the attempt ended with. */
  failure?: unknown;
  /** "name: message" of that error, for the assertion's diff. */
  error?: string;
}

/** Runs one attempt of a step: what it returned or the error it ended with. */
const attempt = async <T>(work: () => Promise<T>): Promise<Attempt<T>> => {
  try {
    return { value: await work() };
  } catch (failure) {
    return { failure: failure ?? new Error('rejected'), error: errorText(failure) };
  }
};

describe.each(changing.map((plugin) => [plugin.id, plugin] as const))('%s', (_id: string, plugin: ControlPlugin) => {
  const scenarios = scenariosOf(plugin);

  let planned: Promise<Case[]> | undefined;
  const cases = (): Promise<Case[]> => (planned ??= plannedCases(plugin, scenarios));

  const clean = new Map<string, Promise<CleanRun>>();
  /** One uninterrupted remediate, verify and rollback in a fresh organization: the reference every retry is held to. */
  const cleanRun = (c: Case): Promise<CleanRun> => {
    const memo = clean.get(c.label);
    if (memo) return memo;
    const run = (async (): Promise<CleanRun> => {
      const world = worldOf(c.scenario);
      const plan = await planIn(plugin, world, c.finding);
      const initial = world.sim.snapshot();
      const remediated = await countCalls(world.sim, () => remediateIn(plugin, world, c.finding, plan as Plan));
      const afterFix = world.sim.snapshot();
      const verified = await plugin.verify(c.finding, json(remediated.result), world.inspect);
      const rolledBack = await countCalls(world.sim, () => rollbackIn(plugin, world, c.finding, remediated.result));
      return {
        ...c,
        initial,
        record: remediated.result,
        remediateCalls: remediated.calls,
        remediated: afterFix,
        verified,
        rollbackRecord: rolledBack.result,
        rollbackCalls: rolledBack.calls,
        rolledBack: world.sim.snapshot(),
        undone: await undoneCheck(plugin, world, c.finding),
      };
    })();
    clean.set(c.label, run);
    return run;
  };

  /** A fresh organization, assessed, with the plan of the clean run. */
  const assessed = async (c: Case): Promise<World> => {
    const world = worldOf(c.scenario);
    await planIn(plugin, world, c.finding);
    return world;
  };

  /** A fresh organization where the clean remediation has been made (the starting point of an undo). */
  const remediated = async (c: Case): Promise<{ world: World; record: ChangeRecord }> => {
    const world = await assessed(c);
    return { world, record: await remediateIn(plugin, world, c.finding, c.plan) };
  };

  /** After a retried remediate: what one clean run ends with, the same record, Verify passing, and a rollback that undoes it all. */
  const expectAsCleanRemediation = async (ref: CleanRun, world: World, record: ChangeRecord, how: string): Promise<void> => {
    expect({ how, record, state: world.sim.snapshot() }).toEqual({ how, record: ref.record, state: ref.remediated });
    expect({ how, verified: await plugin.verify(ref.finding, json(record), world.inspect) }).toEqual({ how, verified: ref.verified });
    const rollback = await rollbackIn(plugin, world, ref.finding, record);
    expect({ how, rollback, state: world.sim.snapshot() }).toEqual({ how, rollback: ref.rollbackRecord, state: ref.rolledBack });
  };

  /** After a retried rollback: what one clean rollback ends with, the same record, and the control failing again. */
  const expectAsCleanRollback = async (ref: CleanRun, world: World, record: ChangeRecord, how: string): Promise<void> => {
    expect({ how, record, state: world.sim.snapshot() }).toEqual({ how, record: ref.rollbackRecord, state: ref.rolledBack });
    expect({ how, undone: await undoneCheck(plugin, world, ref.finding) }).toEqual({ how, undone: 'fails again as before the fix' });
  };

  it('has a scenario with a finding it remediates', async () => {
    // Act: a control that changes something and has no such scenario fails here and in every test below
    const found = await cases();

    // Assess
    expect(found.map((c) => c.finding.controlId)).toEqual(expect.arrayContaining([expect.stringMatching(/\S/)]));
  });

  it('remediates, verifies and rolls back to the state it started from in a clean run', async () => {
    for (const c of await cases()) {
      // Act
      const ref = await cleanRun(c);

      // Assess
      expect({ how: c.label, changed: JSON.stringify(ref.remediated) !== JSON.stringify(ref.initial) }).toEqual({
        how: c.label,
        changed: true,
      });
      expect({ how: c.label, state: unordered(ref.rolledBack), undone: ref.undone }).toEqual({
        how: c.label,
        state: unordered(ref.initial),
        undone: 'fails again as before the fix',
      });
    }
  });

  it('remediate run twice (a retry after a lost response) ends as one clean run, with the same change record', async () => {
    for (const c of await cases()) {
      // Prepare
      const ref = await cleanRun(c);
      const world = await assessed(c);
      await remediateIn(plugin, world, c.finding, c.plan); // its response is lost

      // Act
      const retried = await attempt(() => remediateIn(plugin, world, c.finding, c.plan));

      // Assess
      expect({ how: c.label, error: retried.error }).toEqual({ how: c.label, error: undefined });
      await expectAsCleanRemediation(ref, world, retried.value as ChangeRecord, `${c.label}: remediate run twice`);
    }
  });

  it('remediate throttled at each of its calls, then retried by the state machine, ends as one clean run', async () => {
    for (const c of await cases()) {
      const ref = await cleanRun(c);
      for (let n = 1; n <= ref.remediateCalls; n += 1) {
        // Prepare
        const how = `${c.label}: remediate call ${n} of ${ref.remediateCalls} throttled`;
        const world = await assessed(c);
        throttleCall(world.sim, n);

        // Act
        const first = await attempt(() => remediateIn(plugin, world, c.finding, c.plan));
        noFaults(world.sim);
        const retried = await attempt(() => remediateIn(plugin, world, c.finding, c.plan));

        // Assess: the failure is one the state machine retries (Remediate's Retry on ThrottledError), and the retry completes it
        expect({ how, stepError: stepErrorOf(first), retryError: retried.error }).toEqual({
          how,
          stepError: ThrottledError.name,
          retryError: undefined,
        });
        await expectAsCleanRemediation(ref, world, retried.value as ChangeRecord, how);
      }
    }
  });

  it('remediate whose call AWS applied but whose response was lost (the SDK sends it again) ends as one clean run', async () => {
    for (const c of await cases()) {
      const ref = await cleanRun(c);
      for (let n = 1; n <= ref.remediateCalls; n += 1) {
        // Prepare
        const how = `${c.label}: remediate call ${n} of ${ref.remediateCalls} delivered twice`;
        const world = await assessed(c);
        const stop = deliverCallTwice(world.sim, n);

        // Act
        const result = await attempt(() => remediateIn(plugin, world, c.finding, c.plan));
        stop();

        // Assess
        expect({ how, error: result.error }).toEqual({ how, error: undefined });
        await expectAsCleanRemediation(ref, world, result.value as ChangeRecord, how);
      }
    }
  });

  it('rollback run twice (a retry after a lost response) ends as one clean rollback, with the same change record', async () => {
    for (const c of await cases()) {
      // Prepare
      const ref = await cleanRun(c);
      const { world, record } = await remediated(c);
      await rollbackIn(plugin, world, c.finding, record); // its response is lost

      // Act
      const retried = await attempt(() => rollbackIn(plugin, world, c.finding, record));

      // Assess
      expect({ how: c.label, error: retried.error }).toEqual({ how: c.label, error: undefined });
      await expectAsCleanRollback(ref, world, retried.value as ChangeRecord, `${c.label}: rollback run twice`);
    }
  });

  it('rollback throttled at each of its calls, then retried by the state machine, ends as one clean rollback', async () => {
    for (const c of await cases()) {
      const ref = await cleanRun(c);
      for (let n = 1; n <= ref.rollbackCalls; n += 1) {
        // Prepare
        const how = `${c.label}: rollback call ${n} of ${ref.rollbackCalls} throttled`;
        const { world, record } = await remediated(c);
        throttleCall(world.sim, n);

        // Act
        const first = await attempt(() => rollbackIn(plugin, world, c.finding, record));
        noFaults(world.sim);
        const retried = await attempt(() => rollbackIn(plugin, world, c.finding, record));

        // Assess
        expect({ how, stepError: stepErrorOf(first), retryError: retried.error }).toEqual({
          how,
          stepError: ThrottledError.name,
          retryError: undefined,
        });
        await expectAsCleanRollback(ref, world, retried.value as ChangeRecord, how);
      }
    }
  });

  it('rollback whose call AWS applied but whose response was lost (the SDK sends it again) ends as one clean rollback', async () => {
    for (const c of await cases()) {
      const ref = await cleanRun(c);
      for (let n = 1; n <= ref.rollbackCalls; n += 1) {
        // Prepare
        const how = `${c.label}: rollback call ${n} of ${ref.rollbackCalls} delivered twice`;
        const { world, record } = await remediated(c);
        const stop = deliverCallTwice(world.sim, n);

        // Act
        const result = await attempt(() => rollbackIn(plugin, world, c.finding, record));
        stop();

        // Assess
        expect({ how, error: result.error }).toEqual({ how, error: undefined });
        await expectAsCleanRollback(ref, world, result.value as ChangeRecord, how);
      }
    }
  });
});
