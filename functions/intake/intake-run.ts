import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { annotateFinding } from '../workflow/annotation';
import { HubfixError, isThrottling } from '../platform/errors';
import { claimsMismatch, liveFindingOf, readFindings } from '../findings/finding-source';
import { executionName } from '../workflow/execution-name';
import { decideFinding, skipNote, type IntakePlan, type SkipDecision } from './intake-decisions';
import { logger } from '../platform/logger';
import { acquireLock } from '../workflow/resource-lock';
import { readRunHistory } from '../workflow/run-history';
import type { Runtime } from '../platform/runtime';
import type { Requester } from '../findings/requester';
import type { WorkflowInput } from '../findings/types';

/** What one event led to; logged by intake and printed by `hubfix run`. */
export interface IntakeSummary {
  started: number;
  duplicates: number;
  /** Imported findings the automatic path leaves alone. */
  passed: number;
  annotatedSkipped: number;
  dropped: number;
  ignored: boolean;
}

/** Some findings of an event could not be started or annotated; the message is redelivered (both steps are idempotent). */
export class IntakeIncompleteError extends HubfixError {}

const isAlreadyExists = (error: unknown): boolean => error instanceof Error && error.name === 'ExecutionAlreadyExists';

/**
 * The second pass: Security Hub's own copy of each finding the event would start, with the same policy applied
 * to it and hubfix's run history where the decision needs it. The event's copy decided nothing but what to re-read.
 */
const confirmStarts = async (plan: IntakePlan, rt: Runtime, summary: IntakeSummary): Promise<WorkflowInput[]> => {
  if (plan.start.length === 0) return [];
  let found: Awaited<ReturnType<typeof readFindings>>;
  try {
    found = await readFindings(
      rt.clients.home(SecurityHubClient),
      plan.start.map((input) => input.finding),
    );
  } catch (error) {
    if (!isThrottling(error)) throw error;
    // GetFindings is one bucket for the whole account; a burst of runs re-reading in Assess can keep it empty. Failing
    // here would send the message to the DLQ after three receives; starting the runs loses nothing, because Assess
    // re-reads every finding and applies every policy before anything is changed.
    logger.warn('Security Hub throttled the re-read; the runs start on the event and Assess re-reads each finding', {
      findings: plan.start.length,
    });
    return plan.start;
  }
  const confirmed: WorkflowInput[] = [];
  for (const input of plan.start) {
    const claimed = input.finding;
    const tag = { findingId: claimed.id, controlId: claimed.controlId };
    const refuse = (code: SkipDecision['code'], reason: string) => {
      if (input.trigger === 'imported') {
        summary.passed += 1;
        logger.info('Imported finding not taken after re-reading it from Security Hub', { ...tag, code, reason });
      } else plan.skip.push({ identifier: { id: claimed.id, productArn: claimed.productArn }, code, reason, controlId: claimed.controlId });
    };
    const live = liveFindingOf(found, claimed);
    if (!live.ok) {
      if ('missing' in live) {
        // Nothing to annotate: Security Hub holds no such finding. Logged with ids only.
        summary.dropped += 1;
        logger.warn('Finding not acted on: Security Hub does not hold it', tag);
      } else refuse('rejected', live.reason);
      continue;
    }
    const mismatch = claimsMismatch(claimed, live.finding);
    if (mismatch) {
      refuse('mismatch', mismatch);
      continue;
    }
    const history = input.action === 'undo' || input.trigger === 'imported' ? await readRunHistory(rt, live.finding) : undefined;
    const decision = decideFinding(live.finding, { action: input.action, trigger: input.trigger, config: rt.config, history });
    if (decision.kind === 'start') confirmed.push({ ...input, finding: live.finding });
    else refuse(decision.kind === 'skip' ? decision.code : 'not-automatic', decision.reason);
  }
  return confirmed;
};

/**
 * What intake did about a finding it could start: started a run, joined the finding's run already in progress, or (busy)
 * annotated it because another finding's run is changing the same resource (`executionName` is that run).
 */
export interface IntakeRun {
  findingId: string;
  controlId: string;
  executionName: string;
  outcome: 'started' | 'joined' | 'busy';
}

export interface IntakeRunOptions {
  /** The person who asked (an operator command that knows its caller); every run it starts names them. */
  requestedBy?: Requester;
  /** Told of each finding's run: started, joined or busy. */
  onRun?: (run: IntakeRun) => void;
}

/** Carries out an intake plan: re-read, then StartExecution per finding, an annotation per skipped finding, a log line per dropped one. */
export const executeIntakePlan = async (plan: IntakePlan, rt: Runtime, options: IntakeRunOptions = {}): Promise<IntakeSummary> => {
  const summary: IntakeSummary = {
    started: 0,
    duplicates: 0,
    passed: plan.pass.length,
    annotatedSkipped: 0,
    dropped: plan.drop.length,
    ignored: plan.ignored !== undefined,
  };
  if (plan.ignored) {
    logger.warn('Event is not for hubfix; ignored', { reason: plan.ignored });
    return summary;
  }
  for (const dropped of plan.drop) logger.warn('Finding rejected and cannot be annotated', { reason: dropped.reason });
  for (const passed of plan.pass) logger.debug('Imported finding not taken by the automatic path', { ...passed });

  const sfn = rt.clients.home(SFNClient);
  const securityHub = rt.clients.home(SecurityHubClient);
  const confirmed = await confirmStarts(plan, rt, summary);
  const { requestedBy } = options;
  const starts = confirmed.map(async (confirmedInput) => {
    const input: WorkflowInput = requestedBy ? { ...confirmedInput, requestedBy } : confirmedInput;
    const name = executionName(input);
    const tag = { executionName: name, findingId: input.finding.id, controlId: input.finding.controlId };
    const ran = (outcome: IntakeRun['outcome'], running = name) => options.onRun?.({ ...tag, executionName: running, outcome });
    if (input.action !== 'plan') {
      const lock = await acquireLock(rt, input.finding, name);
      if (!lock.acquired) {
        if (lock.heldBy.findingId === input.finding.id) {
          // The same finding re-imported or re-clicked while its run is in progress: that run answers it.
          summary.duplicates += 1;
          ran('joined', lock.heldBy.executionName);
          logger.info('Finding already has a run in progress; joined it', { ...tag, runningExecution: lock.heldBy.executionName });
        } else if (input.trigger === 'imported') {
          // Never annotate an imported finding: the annotation would re-import it. Its turn comes when it is imported again.
          summary.passed += 1;
          logger.info('Resource busy: imported finding left for a later import', { ...tag, runningExecution: lock.heldBy.executionName });
        } else {
          await annotateFinding(
            securityHub,
            { id: input.finding.id, productArn: input.finding.productArn },
            {
              outcome: 'skipped',
              note:
                `hubfix did not act: another hubfix run (${lock.heldBy.executionName}) is changing ` +
                `${input.finding.resource.canonicalId} right now. Nothing was changed; run the action again once that run has finished.`,
              fields: { skip: 'resource-locked' },
            },
          );
          summary.annotatedSkipped += 1;
          ran('busy', lock.heldBy.executionName);
          logger.info('Resource busy: finding annotated', { ...tag, runningExecution: lock.heldBy.executionName });
        }
        return;
      }
    }
    try {
      await sfn.send(new StartExecutionCommand({ stateMachineArn: rt.settings.stateMachineArn, name, input: JSON.stringify(input) }));
      summary.started += 1;
      ran('started');
      logger.info('Execution started', tag);
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      // A double click or a redelivered message: the first execution is already handling this finding version.
      summary.duplicates += 1;
      ran('joined');
      logger.info('Duplicate request: execution already exists', tag);
    }
  });
  const skips = plan.skip.map(async (skip) => {
    await annotateFinding(securityHub, skip.identifier, { outcome: 'skipped', note: skipNote(skip), fields: { skip: skip.code } });
    summary.annotatedSkipped += 1;
    logger.info('Finding skipped and annotated', { findingId: skip.identifier.id, code: skip.code, reason: skip.reason });
  });

  const failures = (await Promise.allSettled([...starts, ...skips])).flatMap((result) =>
    result.status === 'rejected' ? [result.reason as Error] : [],
  );
  if (failures.length > 0) {
    for (const failure of failures) logger.error('Intake step failed', { error: failure });
    throw new IntakeIncompleteError(
      `${failures.length} of ${starts.length + skips.length} findings were not started or annotated: ${failures[0].name}: ` +
        `${failures[0].message}`,
      { cause: failures[0] },
    );
  }
  return summary;
};
