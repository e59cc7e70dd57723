import { InvalidInputError } from './commons/errors';
import { logger } from './commons/logger';
import { pluginOf } from './commons/plugin-step';
import { awsRuntime, type Runtime } from './commons/runtime';
import { stepHandler } from './commons/step-handler';
import type { Verification, WorkflowState } from './commons/types';

/** Verify: re-reads the resource; throws VerificationFailedError (retried, then caught) if the control would still fail. */
export const createVerifyHandler = (runtime: () => Runtime) =>
  stepHandler(runtime, async (state: WorkflowState, rt): Promise<Verification> => {
    if (!state.change) throw new InvalidInputError('Verify was reached without a change record');
    const observed = await pluginOf(state.finding).verify(state.finding, state.change, { clients: rt.clients, config: rt.config, now: rt.now });
    logger.info('Verified', { observed });
    return { verified: true, observed, checkedAt: rt.now().toISOString() };
  });

export const handler = createVerifyHandler(awsRuntime);
