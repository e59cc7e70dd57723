import { assessStep } from '../workflow/assess-step';
import { logger } from '../platform/logger';
import { awsRuntime, type Runtime } from '../platform/runtime';
import { stepHandler } from '../workflow/step-handler';
import type { WorkflowInput } from '../findings/types';

/** Assess: re-read the finding, apply the policy, run the control's read-only blast-radius check and decide the route. */
export const createAssessHandler = (runtime: () => Runtime) =>
  stepHandler(runtime, async (input: WorkflowInput, rt) => {
    const state = await assessStep(input, rt);
    const { assessment } = state;
    logger.info('Assessed', { route: assessment?.route, skip: assessment?.skip, risk: assessment?.risk, reason: assessment?.routeReason });
    return state;
  });

export const handler = createAssessHandler(awsRuntime);
