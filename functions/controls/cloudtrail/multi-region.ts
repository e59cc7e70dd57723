import {
  CreateTrailCommand,
  DeleteTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
  UpdateTrailCommand,
  type EventSelector,
} from '@aws-sdk/client-cloudtrail';
import { InvalidInputError, RemediationError, VerificationFailedError } from '../../platform/errors';
import type { ChangeRecord, Evidence, FindingRef, Plan } from '../../findings/types';
import {
  trailPlanOf,
  trailSideOf,
  type CloudTrailChange,
  type CloudTrailSteps,
  type TrailPlan,
  type TrailSide,
  type TrailState,
} from './schemas';
import {
  accountTrails,
  managementEvents,
  trailActivity,
  trailByArn,
  trailClient,
  trailNamed,
  type ManagementEvents,
  type TrailFacts,
} from '../shared/trails';
import type { ControlAssessment, ControlContext } from '../types';

/** The name hubfix gives a trail it creates in an account that has none. */
export const CREATED_TRAIL_NAME = 'hubfix-management-events';

type TrailCreate = Extract<TrailPlan, { kind: 'create' }>;

interface TrailReview {
  trail: TrailFacts;
  logging: boolean;
  events: ManagementEvents;
}

const passes = (r: TrailReview): boolean => r.trail.multiRegion && r.logging && r.events.complete;

const describeReview = (r: TrailReview, accountId: string): string =>
  `Trail ${r.trail.name} (home ` +
  `${r.trail.homeRegion}${r.trail.ownerAccountId !== accountId ? `, owned by account ${r.trail.ownerAccountId}` : ''}): ` +
  `${r.trail.multiRegion ? 'multi-region' : 'single-region'}, ${r.logging ? 'logging' : 'NOT logging'}, ${r.events.description}.`;

const normalized = (selectors: EventSelector[]): EventSelector[] =>
  selectors.map((s) => ({
    ReadWriteType: s.ReadWriteType ?? 'All',
    IncludeManagementEvents: s.IncludeManagementEvents !== false,
    DataResources: s.DataResources ?? [],
    ExcludeManagementEventSources: s.ExcludeManagementEventSources ?? [],
  }));

/**
 * The narrowest selector change that records every read and write management event: widen the selector that
 * already logs management events, unless widening it would also add read data events; then log management
 * events in a selector of their own.
 */
const completeManagementSelectors = (selectors: EventSelector[]): EventSelector[] => {
  const current = normalized(selectors);
  const all: EventSelector = { ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] };
  const index = current.findIndex((s) => s.IncludeManagementEvents);
  const widenable = index >= 0 && (current[index].DataResources ?? []).length === 0;
  if (widenable) return current.map((s, i) => (i === index ? { ...s, ReadWriteType: 'All', ExcludeManagementEventSources: [] } : s));
  return [...current.map((s) => ({ ...s, IncludeManagementEvents: false, ExcludeManagementEventSources: [] })), all];
};

const readState = async (ctx: ControlContext, accountId: string, trail: TrailFacts): Promise<TrailState> => {
  const [events, activity] = await Promise.all([
    managementEvents(ctx.clients, accountId, trail),
    trailActivity(ctx.clients, accountId, trail),
  ]);
  return {
    multiRegion: trail.multiRegion,
    includeGlobalServiceEvents: trail.includeGlobalServiceEvents,
    eventSelectors: normalized(events.selectors),
    isLogging: activity.isLogging,
  };
};

/** Fixing a trail that logs everything in one place beats fixing one that also lacks management events. */
const rank = (r: TrailReview): number => (r.trail.multiRegion ? 0 : 4) + (r.events.complete ? 0 : 2) + (r.logging ? 0 : 1);

const updatePlan = (r: TrailReview): { plan: Plan<TrailPlan>; high: string[] } => {
  const { trail } = r;
  const target: TrailState = {
    multiRegion: true,
    includeGlobalServiceEvents: true,
    eventSelectors: r.events.complete ? normalized(r.events.selectors) : completeManagementSelectors(r.events.selectors),
    isLogging: true,
  };
  const steps: string[] = [];
  const high: string[] = [];
  if (!trail.multiRegion || !trail.includeGlobalServiceEvents) {
    steps.push(`cloudtrail:UpdateTrail Name=${trail.arn} IsMultiRegionTrail=true IncludeGlobalServiceEvents=true (in ${trail.homeRegion})`);
    if (!trail.multiRegion) {
      high.push(
        `trail ${trail.name} would start recording every region into ` +
          `s3://${trail.bucket}${trail.logGroupArn ? ' and its CloudWatch Logs group' : ''} (more storage and ingestion cost)`,
      );
    }
  }
  if (!r.events.complete) {
    steps.push(`cloudtrail:PutEventSelectors TrailName=${trail.arn} EventSelectors=${JSON.stringify(target.eventSelectors)}`);
    const logsReads = normalized(r.events.selectors).some((s) => s.IncludeManagementEvents && s.ReadWriteType !== 'WriteOnly');
    if (!logsReads) high.push(`trail ${trail.name} would add read management events (the bulk of all events)`);
  }
  if (!r.logging) steps.push(`cloudtrail:StartLogging Name=${trail.arn}`);
  return {
    plan: {
      summary: `Make existing trail ${trail.name} a logging multi-region trail with all read and write management events (no new trail)`,
      steps,
      reversible: true,
      parameters: {
        kind: 'update',
        trailArn: trail.arn,
        homeRegion: trail.homeRegion,
        ...target,
        observed: {
          multiRegion: trail.multiRegion,
          includeGlobalServiceEvents: trail.includeGlobalServiceEvents,
          eventSelectors: normalized(r.events.selectors),
          isLogging: r.logging,
        },
      },
    },
    high,
  };
};

async function assess(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment<TrailPlan>> {
  const region = finding.resource.region;
  const trails = await accountTrails(ctx.clients, finding.accountId, region);
  const reviews: TrailReview[] = await Promise.all(
    trails.map(async (trail) => {
      const [activity, events] = await Promise.all([
        trailActivity(ctx.clients, finding.accountId, trail),
        managementEvents(ctx.clients, finding.accountId, trail),
      ]);
      return { trail, logging: activity.isLogging, events };
    }),
  );
  const evidence: Evidence[] = [
    {
      fact: `Account ${finding.accountId} has ${trails.length} trail(s) across its regions (with organization trails logging ${region}).`,
      source: 'cloudtrail:ListTrails, cloudtrail:DescribeTrails',
    },
    ...reviews.map((r) => ({
      fact: describeReview(r, finding.accountId),
      source: 'cloudtrail:DescribeTrails, cloudtrail:GetTrailStatus, cloudtrail:GetEventSelectors',
    })),
  ];
  const passing = reviews.find(passes);
  if (passing)
    return { risk: 'low', riskReason: `Trail ${passing.trail.name} is a logging multi-region trail with all management events`, evidence };

  const own = reviews.filter((r) => r.trail.ownerAccountId === finding.accountId);
  const fixable = own.filter((r) => r.events.complete || !r.events.advanced).sort((a, b) => rank(a) - rank(b));
  if (fixable.length > 0) {
    const { plan, high } = updatePlan(fixable[0]);
    return high.length > 0
      ? { risk: 'high', riskReason: `Changing trail scope: ${high.join('; ')}`, evidence, plan }
      : {
          risk: 'low',
          riskReason: `Trail ${fixable[0].trail.name} already records every region; only its logging or selectors change`,
          evidence,
          plan,
        };
  }
  if (own.length > 0) {
    return {
      risk: 'low',
      riskReason:
        `the account's trails use advanced event selectors that hubfix does not rewrite: add management events to ` +
        `${own[0].trail.name} by hand`,
      evidence,
      blocked: true,
    };
  }
  const bucket = ctx.config.cloudtrail.trailBucket;
  if (!bucket) {
    return {
      risk: 'high',
      riskReason:
        'the account has no trail of its own to update, and creating one needs a bucket: set cloudtrail.trailBucket to a bucket whose ' +
        'policy lets CloudTrail write',
      evidence,
      blocked: true,
    };
  }
  return {
    risk: 'high',
    riskReason:
      `The account has no trail of its own, so hubfix would create one (a new trail, delivering every region's management ` +
      `events to s3://${bucket})`,
    evidence,
    plan: {
      summary:
        `Create multi-region trail ${CREATED_TRAIL_NAME} (the account has no trail to update) delivering to s3://${bucket}, ` +
        `and start logging`,
      steps: [
        `cloudtrail:CreateTrail Name=${CREATED_TRAIL_NAME} S3BucketName=${bucket} IsMultiRegionTrail=true ` +
          `IncludeGlobalServiceEvents=true EnableLogFileValidation=true (in ${region})`,
        `cloudtrail:StartLogging Name=${CREATED_TRAIL_NAME}`,
      ],
      reversible: true,
      parameters: { kind: 'create', trailName: CREATED_TRAIL_NAME, homeRegion: region, bucket },
    },
  };
}

/** The trail settings a change side holds, if it holds them all. */
const stateOf = (side: TrailSide): TrailState | undefined => {
  if (side.kind !== 'update') return undefined;
  const { multiRegion, includeGlobalServiceEvents, eventSelectors, isLogging } = side;
  const complete =
    multiRegion !== undefined && includeGlobalServiceEvents !== undefined && eventSelectors !== undefined && isLogging !== undefined;
  return complete ? { multiRegion, includeGlobalServiceEvents, eventSelectors, isLogging } : undefined;
};

const sameSelectors = (a: EventSelector[], b: EventSelector[]): boolean => JSON.stringify(normalized(a)) === JSON.stringify(normalized(b));

/** The calls that take a trail from `from` to `to`, by name. */
const callsBetween = (from: TrailState, to: TrailState): string[] => [
  ...(from.multiRegion !== to.multiRegion || from.includeGlobalServiceEvents !== to.includeGlobalServiceEvents
    ? [`UpdateTrail IsMultiRegionTrail=${to.multiRegion}`]
    : []),
  ...(sameSelectors(from.eventSelectors, to.eventSelectors) ? [] : ['PutEventSelectors']),
  ...(from.isLogging !== to.isLogging ? [to.isLogging ? 'StartLogging' : 'StopLogging'] : []),
];

/**
 * Brings an existing trail from its current state to `target`, one call per difference; a failure says what was already
 * done. A part already at its target is recorded as it was in `startedFrom` (what the assessment, or the change being
 * undone, saw before the first attempt): a retried step returns the record of one clean run (types.ts, rule 2).
 */
const moveTrail = async (
  ctx: ControlContext,
  accountId: string,
  change: { trailArn: string; homeRegion: string } & TrailState,
  startedFrom: TrailState | undefined,
): Promise<ChangeRecord<CloudTrailChange>> => {
  const trail = await trailByArn(ctx.clients, accountId, change.trailArn);
  const live = await readState(ctx, accountId, trail);
  const { multiRegion, includeGlobalServiceEvents, eventSelectors, isLogging } = change;
  const target: TrailState = { multiRegion, includeGlobalServiceEvents, eventSelectors, isLogging };
  const client = trailClient(ctx.clients, accountId, trail);
  const scopeDiffers = live.multiRegion !== target.multiRegion || live.includeGlobalServiceEvents !== target.includeGlobalServiceEvents;
  const selectorsDiffer = !sameSelectors(live.eventSelectors, target.eventSelectors);
  const loggingDiffers = live.isLogging !== target.isLogging;
  const from = startedFrom ?? live;
  const before: TrailState = {
    multiRegion: scopeDiffers ? live.multiRegion : from.multiRegion,
    includeGlobalServiceEvents: scopeDiffers ? live.includeGlobalServiceEvents : from.includeGlobalServiceEvents,
    eventSelectors: selectorsDiffer ? live.eventSelectors : normalized(from.eventSelectors),
    isLogging: loggingDiffers ? live.isLogging : from.isLogging,
  };
  const calls: [string, () => Promise<unknown>][] = [];
  if (scopeDiffers) {
    const update = {
      Name: trail.arn,
      IsMultiRegionTrail: target.multiRegion,
      IncludeGlobalServiceEvents: target.includeGlobalServiceEvents,
    };
    calls.push([`UpdateTrail IsMultiRegionTrail=${target.multiRegion}`, () => client.send(new UpdateTrailCommand(update))]);
  }
  if (selectorsDiffer) {
    calls.push([
      'PutEventSelectors',
      () => client.send(new PutEventSelectorsCommand({ TrailName: trail.arn, EventSelectors: target.eventSelectors })),
    ]);
  }
  if (loggingDiffers) {
    const command = target.isLogging ? new StartLoggingCommand({ Name: trail.arn }) : new StopLoggingCommand({ Name: trail.arn });
    calls.push([target.isLogging ? 'StartLogging' : 'StopLogging', () => client.send(command)]);
  }
  const done: string[] = [];
  for (const [name, call] of calls) {
    try {
      await call();
      done.push(name);
    } catch (error) {
      const changed = done.length > 0 ? `already done: ${done.join(', ')}` : 'nothing was changed';
      throw new RemediationError(
        `${name} on trail ${trail.name} failed (${(error as Error).name}: ${(error as Error).message}); ${changed}`,
        { cause: error },
      );
    }
  }
  const { trailArn, homeRegion } = change;
  const changed = callsBetween(before, target);
  return {
    summary: changed.length > 0 ? `Trail ${trail.name}: ${changed.join(', ')}` : `Trail ${trail.name} was already as planned`,
    before: { kind: 'update', trailArn, homeRegion, ...before },
    after: { kind: 'update', trailArn, homeRegion, ...target },
    changedAt: ctx.now().toISOString(),
    reversible: true,
  };
};

/** How a trail differs from the one the plan creates; none: it is that trail (types.ts, rule 4). */
const unlikeCreated = (trail: TrailFacts, change: TrailCreate, accountId: string): string[] => [
  ...(trail.bucket !== change.bucket ? [`delivers to s3://${trail.bucket}, not ${change.bucket}`] : []),
  ...(trail.ownerAccountId !== accountId ? [`belongs to account ${trail.ownerAccountId}`] : []),
  ...(trail.organizationTrail ? ['an organization trail'] : []),
  ...(trail.multiRegion ? [] : ['single-region']),
  ...(trail.includeGlobalServiceEvents ? [] : ['no global service events']),
  ...(trail.logFileValidation ? [] : ['log file validation off']),
  ...(trail.kmsKeyId ? [`SSE-KMS with ${trail.kmsKeyId}`] : []),
  ...(trail.logGroupArn ? [`delivers to ${trail.logGroupArn}`] : []),
];

/**
 * Creates the planned trail and starts it. A retry (or the SDK resending a CreateTrail whose response was lost) finds the
 * trail an earlier attempt created: it is adopted only when it has the planned name and exactly the settings hubfix
 * creates it with; a same-named trail that differs is someone else's, and nothing is done.
 */
const createTrail = async (ctx: ControlContext, accountId: string, change: TrailCreate): Promise<ChangeRecord<CloudTrailChange>> => {
  const client = trailClient(ctx.clients, accountId, change);
  const existing = (): Promise<TrailFacts | undefined> => trailNamed(ctx.clients, accountId, change.homeRegion, change.trailName);
  /** The trail an earlier attempt created, or undefined; a same-named trail with other settings is refused. */
  const adoptable = (trail: TrailFacts | undefined): TrailFacts | undefined => {
    const differences = trail ? unlikeCreated(trail, change, accountId) : [];
    if (differences.length === 0) return trail;
    throw new RemediationError(
      `CreateTrail ${change.trailName}: trail ${change.trailName} already exists in ${change.homeRegion} but is not the one this plan ` +
        `creates ` +
        `(${differences.join('; ')}): hubfix did not create it and will not adopt it; nothing was changed`,
    );
  };
  let trailArn = adoptable(await existing())?.arn;
  if (!trailArn) {
    try {
      const created = await client.send(
        new CreateTrailCommand({
          Name: change.trailName,
          S3BucketName: change.bucket,
          IsMultiRegionTrail: true,
          IncludeGlobalServiceEvents: true,
          EnableLogFileValidation: true,
        }),
      );
      trailArn = created.TrailARN as string;
    } catch (error) {
      // Already there: the SDK resent a CreateTrail that was applied, or the name was taken meanwhile. Look again.
      trailArn = (error as Error).name === 'TrailAlreadyExistsException' ? adoptable(await existing())?.arn : undefined;
      if (!trailArn)
        throw new RemediationError(
          `CreateTrail ${change.trailName} failed (${(error as Error).name}: ${(error as Error).message}); nothing was changed`,
          { cause: error },
        );
    }
  }
  try {
    await client.send(new StartLoggingCommand({ Name: trailArn }));
  } catch (error) {
    throw new RemediationError(
      `StartLogging on the new trail ${change.trailName} failed (${(error as Error).name}); trail ${trailArn} was created and is not ` +
        `logging`,
      { cause: error },
    );
  }
  return {
    summary: `Created multi-region trail ${change.trailName} delivering to s3://${change.bucket} and started logging`,
    before: { kind: 'absent', trailName: change.trailName, homeRegion: change.homeRegion },
    after: {
      kind: 'update',
      trailArn,
      homeRegion: change.homeRegion,
      multiRegion: true,
      includeGlobalServiceEvents: true,
      eventSelectors: [],
      isLogging: true,
      created: true,
    },
    changedAt: ctx.now().toISOString(),
    reversible: true,
  };
};

/** Rolling back a created trail deletes exactly that trail, which hubfix made; a trail already gone is deleted. */
const deleteCreatedTrail = async (
  ctx: ControlContext,
  accountId: string,
  trailArn: string,
  homeRegion: string,
  trailName: string,
): Promise<ChangeRecord<CloudTrailChange>> => {
  try {
    await trailClient(ctx.clients, accountId, { homeRegion }).send(new DeleteTrailCommand({ Name: trailArn }));
  } catch (error) {
    if ((error as Error).name !== 'TrailNotFoundException') throw error;
  }
  return {
    summary: `Deleted trail ${trailName}, which hubfix had created`,
    before: { kind: 'update', trailArn, homeRegion },
    after: { kind: 'absent', trailName, homeRegion },
    changedAt: ctx.now().toISOString(),
    reversible: false,
  };
};

/** CloudTrail.1 / CIS 2.1, 3.1: a logging multi-region trail with all read and write management events. */
export const cloudTrailMultiRegion: CloudTrailSteps = {
  assess,
  async remediate(finding, plan, ctx) {
    const change = trailPlanOf(plan.parameters);
    if (change.kind === 'create') return createTrail(ctx, finding.accountId, change);
    return moveTrail(ctx, finding.accountId, change, change.observed);
  },
  async verify(finding, change, ctx) {
    const after = trailSideOf(change.after);
    if (after.kind !== 'update') throw new InvalidInputError('The change record names no trail to verify');
    const trail = await trailByArn(ctx.clients, finding.accountId, after.trailArn);
    const [activity, events] = await Promise.all([
      trailActivity(ctx.clients, finding.accountId, trail),
      managementEvents(ctx.clients, finding.accountId, trail),
    ]);
    const review = { trail, logging: activity.isLogging, events };
    if (!passes(review)) throw new VerificationFailedError(`${describeReview(review, finding.accountId)} CloudTrail.1 still fails`);
    return `CloudTrail reports ${describeReview(review, finding.accountId).replace(/\.$/, '')}`;
  },
  async rollback(finding, change, ctx) {
    const before = trailSideOf(change.before);
    const after = trailSideOf(change.after);
    if (before.kind === 'absent' && after.kind === 'update')
      return deleteCreatedTrail(ctx, finding.accountId, after.trailArn, after.homeRegion, before.trailName);
    const previous = stateOf(before);
    if (before.kind !== 'update' || !previous) throw new InvalidInputError('The change record does not hold the previous trail settings');
    return moveTrail(ctx, finding.accountId, { trailArn: before.trailArn, homeRegion: before.homeRegion, ...previous }, stateOf(after));
  },
};
