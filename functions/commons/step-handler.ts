import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { asStepError } from './errors';
import { logger } from './logger';
import type { Runtime } from './runtime';

/**
 * Wraps a workflow step as a Lambda handler: middy + the shared logger (with the finding id appended),
 * and AWS throttling mapped to ThrottledError so the state machine's Retry backs off instead of failing.
 */
type FindingTag = { id: string; controlId: string };
type StepInput = { finding?: FindingTag; workflow?: { finding?: FindingTag } };

export const stepHandler = <I extends StepInput, O>(
  runtime: () => Runtime,
  step: (input: I, rt: Runtime) => Promise<O>,
) =>
  middy(async (input: I, _context: Context): Promise<O> => {
    const finding = input.finding ?? input.workflow?.finding;
    if (finding) logger.appendKeys({ findingId: finding.id, controlId: finding.controlId });
    try {
      return await step(input, runtime());
    } catch (error) {
      logger.error('Step failed', { error: error as Error });
      throw asStepError(error);
    }
  }).use(injectLambdaContext(logger, { clearState: true }));
