import { awsRuntime, type Runtime } from '../platform/runtime';
import { logger } from '../platform/logger';
import { stepHandler } from '../workflow/step-handler';
import { applyGroup, type ApplyGroupInput } from './batch';
import type { ControlChange } from './types';

/** One Map iteration: the batch's changes in one account and region, with BatchUpdateStandardsControlAssociations. */
export const createApplyControlsHandler = (runtime: () => Runtime) =>
  stepHandler(runtime, async (input: ApplyGroupInput, rt): Promise<ControlChange[]> => {
    const changes = await applyGroup(rt.clients, input, rt.now);
    logger.info('Control associations updated', {
      accountId: input.group.accountId,
      region: input.group.region,
      changed: changes.filter((c) => c.outcome === 'changed').length,
      failed: changes.filter((c) => c.outcome === 'failed').length,
    });
    return changes;
  });

export const handler = createApplyControlsHandler(awsRuntime);
