import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseEvent } from '../findings/asff';
import { InvalidInputError } from '../platform/errors';
import { planIntake, type IntakePlan } from '../intake/intake-decisions';
import { executeIntakePlan, type IntakeSummary } from '../intake/intake-run';
import { logger } from '../platform/logger';
import { awsRuntime, type Runtime } from '../platform/runtime';

/**
 * Intake: EventBridge rule → SQS → this function. Each SQS message is one Security Hub event; each
 * actionable finding becomes one execution of the remediation workflow, the others are annotated at once.
 * A malformed message throws, so SQS redelivers it and finally moves it to the DLQ.
 */
const eventIdOf = (raw: unknown): string | undefined =>
  typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : undefined;

export const handleIntakeRecord = async (record: SQSRecord, rt: Runtime): Promise<IntakeSummary> => {
  const messageId = record.messageId;
  let raw: unknown;
  try {
    raw = JSON.parse(record.body);
  } catch (error) {
    logger.error('Rejected message: body is not JSON', { reason: (error as Error).message, messageId });
    throw new InvalidInputError(`SQS message ${messageId} is not JSON`, { cause: error });
  }
  const eventId = eventIdOf(raw);
  let plan: IntakePlan;
  try {
    plan = planIntake(parseEvent(raw), rt.config, { receivedAt: rt.now().toISOString() });
  } catch (error) {
    // Only the reason and ids: the event itself can be large and names resources.
    logger.error('Rejected event', { reason: (error as Error).message, messageId, eventId });
    throw error;
  }
  const summary = await executeIntakePlan(plan, rt);
  logger.info('Intake summary', { messageId, eventId, action: plan.action, trigger: plan.trigger, ...summary });
  return summary;
};

export const createIntakeHandler = (runtime: () => Runtime) =>
  middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const rt = runtime();
    // One bad message never fails the batch: only the records that threw go back to the queue (then the DLQ).
    return processPartialResponse(event, (record: SQSRecord) => handleIntakeRecord(record, rt), new BatchProcessor(EventType.SQS), {
      context,
      throwOnFullBatchFailure: false,
    });
  }).use(injectLambdaContext(logger, { clearState: true }));

export const handler = createIntakeHandler(awsRuntime);
