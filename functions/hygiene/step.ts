import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { asStepError } from '../platform/errors';
import { logger } from '../platform/logger';
import type { Runtime } from '../platform/runtime';

/**
 * A control-hygiene step as a Lambda handler: middy with the shared logger, and AWS throttling mapped to
 * ThrottledError so the state machine's Retry backs off (workflow/step-handler.ts does the same for finding steps).
 */
export const hygieneStep = <I, O>(runtime: () => Runtime, step: (input: I, rt: Runtime) => Promise<O>) =>
  middy(async (input: I): Promise<O> => {
    try {
      return await step(input, runtime());
    } catch (error) {
      logger.error('Step failed', { error: error as Error });
      throw asStepError(error);
    }
  }).use(injectLambdaContext(logger, { clearState: true }));
