import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseEvent, parseFinding } from '../../functions/findings/asff';
import { defaultConfig } from '../../functions/platform/config';
import { HubfixError, InvalidInputError } from '../../functions/platform/errors';
import { planIntake, type IntakePlan } from '../../functions/intake/intake-decisions';
import { assessFinding } from '../../functions/workflow/routing';
import type { WorkflowInput } from '../../functions/findings/types';
import { SimulatedServiceError } from '../../sandbox/simulated-aws';
import { simulatedAccount } from '../support/simulated-account';
import { HOME_ACCOUNT } from '../support/workflow';

/**
 * Property-based fuzzing of intake (parseEvent → planIntake) and Assess (assessFinding against a simulated
 * account), seeded with the real events of the shared conformance corpus and mutated into malformed and hostile
 * ones: fields removed, nulled or of the wrong type, huge and exotic strings, prototype-pollution keys, deep
 * nesting, wrong detail-types, 0 or 101 findings. The property: nothing crashes; the whole event is rejected
 * with an InvalidInputError and a reason, or every finding is accounted for (started, annotated with a reason,
 * passed over with a reason, or dropped with a reason); an Assess either routes with a reason or fails with a
 * named error the workflow's Catch annotates, never with a TypeError.
 */

const CORPUS = join(__dirname, '..', '..', '..', 'shared', 'conformance', 'events');
const EVENT_RUNS = Number(process.env.FUZZ_RUNS ?? 1_000);
const FINDING_RUNS = 300;
const HOME_REGION = 'us-east-1';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The findings a corpus file carries, whatever its shape (envelope, bare finding, list, GetFindings response). */
const findingsIn = (raw: Json): Json[] => {
  if (Array.isArray(raw)) return raw;
  if (!isObject(raw)) return [];
  if (isObject(raw.detail) && Array.isArray(raw.detail.findings)) return raw.detail.findings;
  if (Array.isArray(raw.Findings)) return raw.Findings;
  return [raw];
};

const envelope = (findings: Json[], kind: 'custom-action' | 'imported'): JsonObject => ({
  version: '0',
  id: 'fuzz',
  'detail-type': kind === 'custom-action' ? 'Security Hub Findings - Custom Action' : 'Security Hub Findings - Imported',
  source: 'aws.securityhub',
  account: HOME_ACCOUNT,
  time: '2026-11-22T09:00:00Z',
  region: HOME_REGION,
  resources: kind === 'custom-action' ? [`arn:aws:securityhub:${HOME_REGION}:${HOME_ACCOUNT}:action/custom/HubfixRemediate`] : [],
  detail: kind === 'custom-action' ? { actionName: 'Remediate', actionDescription: 'fuzz', findings } : { findings },
});

const corpus = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => JSON.parse(readFileSync(join(CORPUS, file), 'utf8')) as Json);
/** Every corpus file as an EventBridge envelope: the real ones as they are, bare findings wrapped both ways. */
const seeds: JsonObject[] = corpus.flatMap((raw) =>
  isObject(raw) && 'detail-type' in raw ? [raw] : [envelope(findingsIn(raw), 'custom-action'), envelope(findingsIn(raw), 'imported')],
);
const seedFindings: Json[] = corpus.flatMap(findingsIn).filter(isObject);

const childrenOf = (value: Json): [string | number, Json][] =>
  Array.isArray(value) ? value.map((v, i): [number, Json] => [i, v]) : isObject(value) ? Object.entries(value) : [];

/** A path into the value chosen by `at`: a random descent that stops at each level with probability 1/6 (at most 12 deep). */
const pickPath = (root: Json, at: number): (string | number)[] => {
  const path: (string | number)[] = [];
  let node = root;
  let r = at;
  for (let depth = 0; depth < 12; depth += 1) {
    const entries = childrenOf(node);
    if (entries.length === 0) break;
    const [key, value] = entries[r % entries.length];
    path.push(key);
    node = value;
    r = (r * 1103515245 + 12345) % 2147483648;
    if (r % 6 === 0) break;
  }
  return path;
};

const deepNesting = (depth: number, leaf: Json): Json => {
  let value = leaf;
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? { nested: value } : [value];
  return value;
};

/** JSON.parse makes "__proto__" an own property, exactly as a hostile event body would arrive. */
const pollutionObject = (): Json =>
  JSON.parse('{"__proto__":{"polluted":"yes","isAdmin":true},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"x":1}}') as Json;

const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: 'grapheme', maxLength: 64 }),
  fc.constantFrom(
    '',
    ' ',
    'null',
    'undefined',
    '__proto__',
    'constructor',
    '<script>alert(1)</script>',
    "'; DROP TABLE findings; --",
    '${jndi:ldap://x}',
    '\u0000\u0007\u001b[31m',
    '\u202e\u2066evil',
    'arn:aws:iam::XXXXXXXXXXXX:user/x',
    'AWS::::Account:null',
    '..'.repeat(40),
  ),
  fc.integer({ min: 10_000, max: 100_000 }).map((n) => 'A'.repeat(n)),
);

const replacement: fc.Arbitrary<Json | undefined> = fc.oneof(
  fc.constant(undefined), // the key removed
  fc.constant(null),
  fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(-0), fc.constant(1e308)),
  hostileString,
  fc.constant(null).map((): Json => []),
  fc.constant(null).map((): Json => ({})),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.integer({ min: 50, max: 2_000 }).map((depth) => deepNesting(depth, 'leaf')),
  fc.constant(null).map(pollutionObject),
);

type Mutation =
  | { kind: 'replace'; at: number; inFinding: boolean; value: Json | undefined }
  | { kind: 'add-key'; at: number; inFinding: boolean; key: string; value: Json }
  | { kind: 'detail-type'; value: Json }
  | { kind: 'finding-count'; count: 0 | 101 };

/** Three mutations in four land inside a finding (the envelope's own fields reject the whole event quickly). */
const inFinding = fc.integer({ min: 0, max: 3 }).map((n) => n > 0);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), inFinding, value: replacement }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('add-key' as const),
      at: fc.nat(),
      inFinding,
      key: fc.oneof(
        fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf'),
        fc.string({ maxLength: 12 }),
      ),
      value: replacement.map((v) => (v === undefined ? null : v)),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('detail-type' as const),
      value: fc.oneof(
        fc.constantFrom(
          'Findings Imported V2',
          'Security Hub Insight Results',
          'security hub findings - custom action',
          'AWS API Call via CloudTrail',
          '',
        ),
        replacement.map((v) => (v === undefined ? null : v)),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('finding-count' as const), count: fc.constantFrom(0 as const, 101 as const) }) },
);

/** Applies the mutations to a copy of the seed; "at" picks a path into it (objects there get keys added). */
const mutate = (seed: JsonObject, mutations: Mutation[]): JsonObject => {
  const event = structuredClone(seed);
  for (const m of mutations) {
    if (m.kind === 'detail-type') {
      event['detail-type'] = m.value;
      continue;
    }
    if (m.kind === 'finding-count') {
      const findings = findingsIn(event);
      const one = findings[0] ?? null;
      event.detail = {
        ...(isObject(event.detail) ? event.detail : {}),
        findings: m.count === 0 ? [] : Array.from({ length: 101 }, () => one),
      };
      continue;
    }
    const findings = isObject(event.detail) && Array.isArray(event.detail.findings) ? event.detail.findings : [];
    const scope = m.inFinding && findings.length > 0 ? ['detail', 'findings', m.at % findings.length] : [];
    const path = [
      ...scope,
      ...pickPath(
        scope.reduce<Json>((node, key) => (node as Record<string | number, Json>)[key], event),
        m.at,
      ),
    ];
    if (path.length === 0) continue;
    const parent = path.slice(0, -1).reduce<Json>((node, key) => (node as Record<string | number, Json>)[key], event);
    const key = path[path.length - 1];
    if (m.kind === 'add-key') {
      const target = (parent as Record<string | number, Json>)[key];
      if (isObject(target)) Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      continue;
    }
    if (Array.isArray(parent)) {
      if (m.value === undefined) parent.splice(Number(key), 1);
      else parent[Number(key)] = m.value;
    } else if (isObject(parent)) {
      if (m.value === undefined) delete parent[key as string];
      else parent[key as string] = m.value;
    }
  }
  return event;
};

/** The simulated organization: the demo account's users in the home account, an empty member account. */
const { ctx } = simulatedAccount({
  [HOME_ACCOUNT]: JSON.parse(readFileSync(join(__dirname, '../../sandbox/fixtures/demo-account.json'), 'utf8')).accounts[HOME_ACCOUNT],
  '222222222222': { name: 'member' },
});
const config = defaultConfig();

/** A programming error, not a failure the workflow can explain: these must never escape Assess. */
const PROGRAMMING_ERRORS = ['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError'];
/**
 * Generic errors seen from Assess (the workflow's Catch annotates them as failed, but their message is the SDK's, not
 * hubfix's): the SDK refusing a region that is not a hostname. Intake accepts any Region string today.
 */
const KNOWN_GENERIC_FAILURES = /^Region not accepted: region=/;
const genericFailures = new Set<string>();

const stats = { rejected: 0, ignored: 0, started: 0, skipped: 0, dropped: 0, passed: 0, assessed: 0, assessFailed: 0 };

const expectAccountedFor = (plan: IntakePlan, findingCount: number): void => {
  if (plan.ignored !== undefined) {
    expect(plan.ignored).not.toBe('');
    stats.ignored += 1;
    return;
  }
  expect(plan.start.length + plan.skip.length + plan.drop.length + plan.pass.length).toBe(findingCount);
  for (const reason of [...plan.skip, ...plan.drop, ...plan.pass].map((d) => d.reason)) {
    expect(typeof reason).toBe('string');
    expect(reason.trim()).not.toBe('');
  }
  for (const skip of plan.skip) expect(typeof skip.identifier.id === 'string' && typeof skip.identifier.productArn === 'string').toBe(true);
  stats.started += plan.start.length;
  stats.skipped += plan.skip.length;
  stats.dropped += plan.drop.length;
  stats.passed += plan.pass.length;
};

/** Assess either routes with a reason or fails with a named error; never a TypeError or the like. */
const expectAssessed = async (input: WorkflowInput): Promise<void> => {
  try {
    const assessment = await assessFinding(input, ctx);
    expect(['auto', 'approval', 'skip']).toContain(assessment.route);
    expect(assessment.routeReason.trim()).not.toBe('');
    stats.assessed += 1;
  } catch (error) {
    if (!(error instanceof Error) || PROGRAMMING_ERRORS.includes(error.name)) throw error;
    expect(error.message).not.toBe('');
    if (!(error instanceof HubfixError || error instanceof SimulatedServiceError)) {
      if (!KNOWN_GENERIC_FAILURES.test(error.message)) throw error;
      genericFailures.add(error.message.slice(0, 40));
    }
    stats.assessFailed += 1;
  }
};

const expectNoPrototypePollution = (): void => {
  const probe: Record<string, unknown> = {};
  expect(probe.polluted).toBeUndefined();
  expect(probe.isAdmin).toBeUndefined();
  expect(Object.keys(Object.prototype)).toEqual([]);
};

describe('intake and assess under fuzzed events', () => {
  it(`survives ${EVENT_RUNS} mutated real events: rejected with a reason, or every finding accounted for`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (seed, mutations) => {
        // Prepare
        const event = mutate(seed, mutations);

        // Act
        let plan: IntakePlan;
        let findingCount: number;
        try {
          const parsed = parseEvent(event);
          findingCount = parsed.findings.length;
          plan = planIntake(parsed, config, { receivedAt: '2026-11-22T09:00:00.000Z' });
        } catch (error) {
          // Assess: a whole-event rejection is an InvalidInputError that says why
          if (!(error instanceof InvalidInputError)) throw error;
          expect(error.message.trim()).not.toBe('');
          stats.rejected += 1;
          expectNoPrototypePollution();
          return;
        }

        // Assess
        expectAccountedFor(plan, findingCount);
        for (const input of plan.start.slice(0, 3)) await expectAssessed(input);
        expectNoPrototypePollution();
      }),
      { numRuns: EVENT_RUNS, seed: 20261122, endOnFailure: true },
    );
    // Both outcomes were exercised, not just one
    process.stderr.write(`intake fuzz: ${JSON.stringify({ ...stats, genericFailures: [...genericFailures] })}\n`);
    expect(stats.rejected).toBeGreaterThan(EVENT_RUNS / 20);
    expect(stats.started + stats.skipped + stats.dropped + stats.passed).toBeGreaterThan(EVENT_RUNS / 4);
    expect(stats.assessed).toBeGreaterThan(0);
  });

  it(`survives ${FINDING_RUNS} mutated real findings through parseFinding and Assess`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...seedFindings), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (seed, mutations) => {
        // Prepare: the finding mutated inside a one-finding envelope, then taken out again
        const [finding] = findingsIn(
          mutate(
            envelope([seed], 'custom-action'),
            mutations.filter((m) => m.kind === 'replace' || m.kind === 'add-key'),
          ),
        );

        // Act
        const result = parseFinding(finding, HOME_REGION);

        // Assess
        if (!result.ok) {
          expect(result.reason.trim()).not.toBe('');
          return;
        }
        await expectAssessed({
          finding: result.finding,
          action: 'remediate',
          trigger: 'custom-action',
          receivedAt: '2026-11-22T09:00:00.000Z',
        });
        expectNoPrototypePollution();
      }),
      { numRuns: FINDING_RUNS, seed: 22112026, endOnFailure: true },
    );
  });
});
