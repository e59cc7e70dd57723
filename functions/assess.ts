import { assessFinding } from './commons/routing';
import { awsRuntime } from './commons/runtime';
import { stepHandler } from './commons/step-handler';
import type { WorkflowInput } from './commons/types';
import { logger } from './commons/logger';
import type { Runtime } from './commons/runtime';

/** Assess: the control's read-only blast-radius check and the route it implies. */
export const createAssessHandler = (runtime: () => Runtime) =>
  stepHandler(runtime, async (input: WorkflowInput, rt) => {
    const assessment = await assessFinding(input, { clients: rt.clients, config: rt.config, now: rt.now });
    logger.info('Assessed', { route: assessment.route, risk: assessment.risk, reason: assessment.routeReason });
    return assessment;
  });

export const handler = createAssessHandler(awsRuntime);
