import { parseEvent, parseFindings, type ParsedEvent } from '../functions/findings/asff';
import type { HubfixConfig } from '../functions/platform/config';
import { oneLine } from '../functions/platform/untrusted-text';
import { InvalidInputError } from '../functions/platform/errors';
import { planIntake } from '../functions/intake/intake-decisions';
import { assessFinding } from '../functions/workflow/routing';
import type { Evidence, Plan, Route } from '../functions/findings/types';
import type { ClientFactory } from '../functions/platform/clients';
import type { Fixture } from '../sandbox/fixture';
import { SimulatedAws } from '../sandbox/simulated-aws';
import { simulatedClientFactory } from '../sandbox/simulated-clients';

export interface PlannedFinding {
  findingId: string;
  controlId?: string;
  resourceId?: string;
  /** null when the route needs an assessment that could not run (no account fixture, or it failed). */
  route: Route | null;
  reason: string;
  risk?: string;
  evidence: Evidence[];
  plan?: Plan;
}

export interface PlanResult {
  kind?: ParsedEvent['kind'] | 'findings';
  /** Set when the whole input is not something hubfix can act on, with the reason. */
  rejected?: string;
  findings: PlannedFinding[];
}

const isEnvelope = (raw: unknown): boolean => typeof raw === 'object' && raw !== null && 'detail-type' in raw;

/** Reads an event (or bare findings) as intake would, treating any custom action as "Remediate" to show what it would do. */
const parseAny = (raw: unknown): { kind: PlanResult['kind']; event: ParsedEvent } => {
  if (!isEnvelope(raw))
    return { kind: 'findings', event: { kind: 'custom-action', actionId: 'HubfixRemediate', findings: parseFindings(raw) } };
  const event = parseEvent(raw);
  return { kind: event.kind, event: event.kind === 'custom-action' ? { ...event, actionId: 'HubfixRemediate' } : event };
};

/** The simulated account of a fixture, read as Assess reads accounts. */
const fixtureClients = (fixture: Fixture): ClientFactory =>
  simulatedClientFactory(new SimulatedAws(fixture, () => new Date()), {
    homeAccountId: fixture.homeAccountId,
    homeRegion: fixture.homeRegion,
    dynamoEndpoint: 'http://127.0.0.1:9',
  });

/**
 * `hubfix plan`: what the workflow would decide for each finding, changing nothing. The real Assess logic runs
 * against a simulated account (a fixture) or, given `clients`, against real accounts: cli/deployment.ts's inspect
 * clients, which refuse anything but a read.
 */
export const planEvent = async (raw: unknown, config: HubfixConfig, fixture?: Fixture, deployed?: ClientFactory): Promise<PlanResult> => {
  let parsed: ReturnType<typeof parseAny>;
  try {
    parsed = parseAny(raw);
  } catch (error) {
    if (error instanceof InvalidInputError) return { rejected: error.message, findings: [] };
    throw error;
  }
  const intake = planIntake(parsed.event, config, { receivedAt: new Date().toISOString() });
  const clients = deployed ?? (fixture && fixtureClients(fixture));

  const started = await Promise.all(
    intake.start.map(async (input): Promise<PlannedFinding> => {
      const base = { findingId: input.finding.id, controlId: input.finding.controlId, resourceId: input.finding.resource.id };
      if (!clients)
        return {
          ...base,
          route: null,
          reason: 'Supported; pass --account FIXTURE, or --profile / --region for a deployment, to assess the blast radius',
          evidence: [],
        };
      try {
        const a = await assessFinding(input, { clients, config, now: () => new Date() });
        return { ...base, route: a.route, reason: a.routeReason, risk: a.risk, evidence: a.evidence, plan: a.plan };
      } catch (error) {
        return { ...base, route: null, reason: `Assessment failed (${(error as Error).name}): ${(error as Error).message}`, evidence: [] };
      }
    }),
  );
  const skipped = intake.skip.map((s): PlannedFinding => ({
    findingId: s.identifier.id,
    controlId: s.controlId,
    route: 'skip',
    reason: s.reason,
    evidence: [],
  }));
  const dropped = intake.drop.map((d): PlannedFinding => ({ findingId: '', route: 'skip', reason: d.reason, evidence: [] }));
  const passed = intake.pass.map((p): PlannedFinding => ({
    findingId: p.findingId,
    route: 'skip',
    reason: `the automatic path does not take it: ${p.reason}`,
    evidence: [],
  }));
  if (intake.ignored) return { kind: parsed.kind, rejected: intake.ignored, findings: [] };
  return { kind: parsed.kind, findings: [...started, ...skipped, ...dropped, ...passed] };
};

/** The text output: one line a finding, its finding-derived fields made one line (no escape sequence reaches the terminal). */
export const formatPlan = (result: PlanResult): string =>
  result.rejected
    ? `Rejected: ${oneLine(result.rejected)}`
    : result.findings.map((f) => [f.controlId ?? '', f.route ?? '-', f.reason].map((field) => oneLine(field) || '-').join('\t')).join('\n');
