import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * Partial batch responses for an SQS-triggered function (the event source mapping sets
 * ReportBatchItemFailures): each record is handled on its own, and only the records whose handler threw
 * are returned for redelivery (and, after maxReceiveCount, the DLQ). One bad message never fails the batch.
 *
 * Same contract as `processPartialResponse` of @aws-lambda-powertools/batch (BatchProcessor, EventType.SQS,
 * standard queue, throwOnFullBatchFailure: false), which is not installed here; swapping it in changes
 * only the call site.
 */
export const processSqsBatch = async (
  event: SQSEvent,
  handleRecord: (record: SQSRecord) => Promise<unknown>,
): Promise<SQSBatchResponse> => {
  const results = await Promise.allSettled(event.Records.map((record) => handleRecord(record)));
  return {
    batchItemFailures: event.Records.flatMap((record, index) =>
      results[index].status === 'rejected' ? [{ itemIdentifier: record.messageId }] : [],
    ),
  };
};
