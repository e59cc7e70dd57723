import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { canonical, runCase, simulatedClients, type BackendRun, type FamilyCase, type Seeded } from './differential';
import { FAMILIES } from './families';
import { motoClientFactory } from './moto-clients';
import { MOTO_HOME_ACCOUNT, startMoto, type MotoServer } from './moto-server';

/**
 * The differential suite: every control family's case run against the in-process simulation and against moto server
 * (an independent emulator, real HTTP and the SDK's real serializers). Both must route alike and end in the same
 * resource state after remediate and after rollback. What moto does not implement is listed, never silently skipped;
 * each divergence moto and the simulation keep is tabled in docs/moto-divergences.md.
 */

const CONTROLS_DIR = join(__dirname, '..', '..', 'functions', 'controls');
const familiesOnDisk = readdirSync(CONTROLS_DIR).filter((name) => name !== 'shared' && statSync(join(CONTROLS_DIR, name)).isDirectory());

let moto: MotoServer;
const notCompared: string[] = [];

beforeAll(async () => {
  moto = await startMoto();
}, 120_000);

afterAll(async () => {
  await moto?.stop();
  // What the suite could not compare, per family: part of its result, printed with it.
  if (notCompared.length > 0) process.stdout.write(`moto differential, not compared:\n  ${notCompared.join('\n  ')}\n`);
});

/**
 * What the suite knows it cannot compare (docs/moto-divergences.md). Anything else left uncompared fails the last test,
 * and so does an entry here that moto now implements: the list stays true as moto changes.
 */
const KNOWN_NOT_COMPARED = [
  'iam-password-policy assess: moto does not implement CloudTrailClient.LookupEventsCommand',
  'ebs-default-encryption assess: moto does not implement EC2Client.GetEbsDefaultKmsKeyIdCommand',
  'security-group-admin-ports assess: moto does not implement EC2Client.DescribeSecurityGroupReferencesCommand',
  'iam-access-keys assess: moto does not implement CloudTrailClient.LookupEventsCommand, ' +
    'IAMClient.GenerateServiceLastAccessedDetailsCommand',
  'default-security-group assess: moto does not implement EC2Client.DescribeSecurityGroupReferencesCommand',
  'cloudwatch-cis-alarms route: moto never delivers trail events to CloudWatch Logs',
];

it('has one case for every control family folder', () => {
  expect(FAMILIES.map((c) => c.family).sort()).toEqual([...familiesOnDisk].sort());
});

/** The phases of a run both backends completed: what is compared. */
const comparable = (c: FamilyCase, sim: BackendRun, real: BackendRun): string[] => {
  const skipped: string[] = [];
  for (const [name, a, b] of [
    ['assess', sim.route, real.route],
    ['remediate', sim.remediate, real.remediate],
    ['verify', sim.verify, real.verify],
    ['rollback', sim.rollback, real.rollback],
  ] as const) {
    if (a?.unimplemented || b?.unimplemented)
      skipped.push(`${c.family} ${name}: moto does not implement ${b?.unimplemented ?? a?.unimplemented}`);
  }
  return skipped;
};

describe.each(FAMILIES.map((c) => [c.family, c] as const))('%s against moto and the simulation', (_family, c) => {
  it('routes alike and ends in the same resource state after remediate and after rollback', async () => {
    // Prepare: the same starting state in both backends
    await moto.reset();
    const motoClients = motoClientFactory(moto.endpoint, MOTO_HOME_ACCOUNT, 'us-east-1');
    const seeded: Seeded = c.seed ? await c.seed(motoClients) : { resource: c.resource ?? { type: 'AwsAccount', id: 'none' }, ids: {} };
    const { clients: simClients } = simulatedClients(c, seeded);

    // Act
    const simulated = await runCase(c, simClients, seeded);
    const real = (await runCase(c, motoClients, seeded, simulated.plan)).run;
    const sim = simulated.run;

    // Assess: the case takes the change path (a manual family only routes), and the two backends agree
    if (c.seed) {
      expect(sim.remediate?.error).toBeUndefined();
      expect(canonical(sim.afterRemediate)).not.toEqual(canonical(sim.start));
      expect(canonical(sim.afterRollback)).toEqual(canonical(sim.start));
    } else {
      expect(sim.route?.ok?.skip).toBe('manual');
    }
    const skipped = comparable(c, sim, real);
    notCompared.push(...skipped);
    expect(canonical(real.start)).toEqual(canonical(sim.start));
    expect(sim.route?.error).toBeUndefined();
    if (c.routeNotComparable) {
      const seen = (r: BackendRun) => r.route?.ok?.skip ?? r.route?.ok?.route ?? r.route?.error ?? r.route?.unimplemented;
      notCompared.push(`${c.family} route: ${c.routeNotComparable} (routes: moto ${seen(real)}, simulation ${seen(sim)})`);
    }
    if (!real.route?.unimplemented && !c.routeNotComparable) {
      expect(real.route?.error).toBeUndefined();
      expect({ route: real.route?.ok?.route, skip: real.route?.ok?.skip, risk: real.route?.ok?.risk }).toEqual({
        route: sim.route?.ok?.route,
        skip: sim.route?.ok?.skip,
        risk: sim.route?.ok?.risk,
      });
    }
    for (const name of ['remediate', 'verify', 'rollback'] as const) {
      if (real[name]?.unimplemented || sim[name]?.unimplemented) continue;
      expect({ [name]: real[name]?.error }).toEqual({ [name]: sim[name]?.error });
    }
    if (!real.remediate?.unimplemented) expect(canonical(real.afterRemediate)).toEqual(canonical(sim.afterRemediate));
    if (!real.rollback?.unimplemented && !real.remediate?.unimplemented)
      expect(canonical(real.afterRollback)).toEqual(canonical(sim.afterRollback));
  }, 60_000);
});

// Runs after every family's case (jest runs a file's tests in order).
it('leaves uncompared exactly what moto cannot answer, as docs/moto-divergences.md lists', () => {
  expect(notCompared.map((line) => line.split(' (')[0])).toEqual(KNOWN_NOT_COMPARED);
});
