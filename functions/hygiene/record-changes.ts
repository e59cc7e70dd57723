import { awsRuntime, type Runtime } from '../commons/runtime';
import { logger } from '../commons/logger';
import { hygieneStep } from './step';
import { recordRun, type RecordInput } from './batch';
import type { HygieneRunRecord } from './types';

/**
 * Record: the change list as the execution's output, and one structured log line per change (the function's log
 * group, retained a year, is the batch's audit trail: account, region, standard, control, before, after, reason, approver).
 */
export const createRecordChangesHandler = (runtime: () => Runtime) =>
  hygieneStep(runtime, async (input: RecordInput, rt): Promise<HygieneRunRecord> => {
    const record = recordRun(input, rt.now());
    for (const change of record.changes) logger.info('Control association change', { change });
    logger.info('Control hygiene batch recorded', { executionId: record.executionId, mode: record.mode, status: record.status, counts: record.counts });
    return record;
  });

export const handler = createRecordChangesHandler(awsRuntime);
