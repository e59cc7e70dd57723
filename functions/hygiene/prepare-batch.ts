import { awsRuntime, type Runtime } from '../platform/runtime';
import { logger } from '../platform/logger';
import { stepHandler } from '../workflow/step-handler';
import { prepareBatch, type PreparedBatch } from './batch';

/** Prepare: validates the batch, groups it per account and region (one Map item each) and builds the approval summary. */
export const createPrepareBatchHandler = (runtime: () => Runtime) =>
  stepHandler(runtime, async (input: { batch: unknown; executionId: string }, rt): Promise<PreparedBatch> => {
    const prepared = prepareBatch(input.batch, rt.now(), input.executionId);
    logger.info('Control hygiene batch prepared', {
      mode: prepared.mode,
      size: prepared.size,
      groups: prepared.groups.length,
      requestedBy: prepared.requestedBy,
    });
    return prepared;
  });

export const handler = createPrepareBatchHandler(awsRuntime);
