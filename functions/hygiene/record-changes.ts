import { awsRuntime, type Runtime } from '../platform/runtime';
import { putHygieneAuditRecord } from '../audit/audit';
import { logger } from '../platform/logger';
import { stepHandler } from '../workflow/step-handler';
import { recordRun, type RecordInput } from './batch';
import type { HygieneRunRecord } from './types';

/**
 * Record: the change list as the execution's output, one write-once record in the audit table (account, region,
 * standard, control, before, after, reason, approver for every change), and one structured log line per change.
 */
export const createRecordChangesHandler = (runtime: () => Runtime) =>
  stepHandler(runtime, async (input: RecordInput, rt): Promise<HygieneRunRecord> => {
    const record = recordRun(input, rt.now());
    // Durable and write-once, beside the remediation runs; a retried step keeps the first record.
    await putHygieneAuditRecord(rt, record);
    for (const change of record.changes) logger.info('Control association change', { change });
    logger.info('Control hygiene batch recorded', {
      executionId: record.executionId,
      mode: record.mode,
      status: record.status,
      counts: record.counts,
    });
    return record;
  });

export const handler = createRecordChangesHandler(awsRuntime);
