import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { annotateFinding } from './annotation';
import { HubfixError } from './errors';
import { executionName, skipNote, type IntakePlan } from './intake-decisions';
import { logger } from './logger';
import type { Runtime } from './runtime';

/** What one event led to; logged by intake and printed by `hubfix run`. */
export interface IntakeSummary {
  started: number;
  duplicates: number;
  annotatedSkipped: number;
  dropped: number;
  ignored: boolean;
}

/** Some findings of an event could not be started or annotated; the message is redelivered (both steps are idempotent). */
export class IntakeIncompleteError extends HubfixError {}

const isAlreadyExists = (error: unknown): boolean => error instanceof Error && error.name === 'ExecutionAlreadyExists';

/** Carries out an intake plan: StartExecution per finding, an annotation per skipped finding, a log line per dropped one. */
export const executeIntakePlan = async (plan: IntakePlan, rt: Runtime): Promise<IntakeSummary> => {
  const summary: IntakeSummary = { started: 0, duplicates: 0, annotatedSkipped: 0, dropped: plan.drop.length, ignored: plan.ignored !== undefined };
  if (plan.ignored) {
    logger.warn('Event is not for hubfix; ignored', { reason: plan.ignored });
    return summary;
  }
  for (const dropped of plan.drop) logger.warn('Finding rejected and cannot be annotated', { reason: dropped.reason });

  const sfn = rt.clients.home(SFNClient);
  const securityHub = rt.clients.home(SecurityHubClient);
  const starts = plan.start.map(async (input) => {
    const name = executionName(input);
    const tag = { executionName: name, findingId: input.finding.id, controlId: input.finding.controlId };
    try {
      await sfn.send(new StartExecutionCommand({ stateMachineArn: rt.settings.stateMachineArn, name, input: JSON.stringify(input) }));
      summary.started += 1;
      logger.info('Execution started', tag);
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      // A double click or a redelivered message: the first execution is already handling this finding version.
      summary.duplicates += 1;
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
      `${failures.length} of ${starts.length + skips.length} findings were not started or annotated: ${failures[0].name}: ${failures[0].message}`,
      { cause: failures[0] },
    );
  }
  return summary;
};
