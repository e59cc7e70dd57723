import { InvalidInputError } from './commons/errors';
import { logger } from './commons/logger';
import { pluginOf } from './commons/plugin-step';
import { awsRuntime, type Runtime } from './commons/runtime';
import { stepHandler } from './commons/step-handler';
import type { ChangeRecord, WorkflowState } from './commons/types';

/** Remediate: applies exactly the plan the assessment produced (and the approver saw). */
export const createRemediateHandler = (runtime: () => Runtime) =>
  stepHandler(runtime, async (state: WorkflowState, rt): Promise<ChangeRecord> => {
    const plan = state.assessment?.plan;
    if (!plan) throw new InvalidInputError('Remediate was reached without a plan');
    const change = await pluginOf(state.finding).remediate(state.finding, plan, { clients: rt.clients, config: rt.config, now: rt.now });
    logger.info('Remediated', { change: change.summary });
    return change;
  });

export const handler = createRemediateHandler(awsRuntime);
