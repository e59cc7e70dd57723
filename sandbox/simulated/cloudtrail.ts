import { createHash } from 'node:crypto';
import * as z from 'zod';
import { fixtureDate, resolveDate } from './dates';
import { arnPrefix } from './partitions';
import { defineModule, SimulatedServiceError } from './service';

/**
 * Data events by (event source, event names): LookupEvents never returns them (CloudTrail delivers them only to a trail
 * that selects them, as log files in S3, or to a CloudTrail Lake data store). The fixture refuses them here, so a
 * scenario cannot tell a story AWS would not: put them in the log files of a trail's bucket (s3 buckets[].cloudTrailLogs).
 */
const DATA_EVENTS: Readonly<Record<string, RegExp>> = {
  's3.amazonaws.com': /^(Get|Put|Delete|Head|Copy|Restore|Select)Object|^(CreateMultipartUpload|UploadPart|CompleteMultipartUpload)$/,
  'dynamodb.amazonaws.com': /^(Get|Put|Update|Delete|BatchGet|BatchWrite)Item$|^(Query|Scan|TransactGetItems|TransactWriteItems)$/,
  'sqs.amazonaws.com': /^(SendMessage|SendMessageBatch|ReceiveMessage|DeleteMessage|DeleteMessageBatch|ChangeMessageVisibility)$/,
  'lambda.amazonaws.com': /^Invoke$/,
  'sns.amazonaws.com': /^(Publish|PublishBatch)$/,
  'kinesis.amazonaws.com': /^(PutRecord|PutRecords|GetRecords)$/,
};

export const isDataEvent = (eventSource: string, eventName: string): boolean => DATA_EVENTS[eventSource]?.test(eventName) === true;

const event = z
  .object({
    eventTime: fixtureDate,
    eventSource: z.string().describe('e.g. iam.amazonaws.com'),
    eventName: z.string(),
    eventCategory: z
      .enum(['Management', 'Insight'])
      .default('Management')
      .describe('What LookupEvents returns: management events (default) or Insights events; data events live in trail log files'),
    readOnly: z.boolean().optional().describe('Absent: read-only when the event name starts with Get, List, Describe or Lookup'),
    accessKeyId: z.string().optional(),
    userName: z.string().optional(),
    resources: z.array(z.object({ type: z.string(), name: z.string() })).default([]),
    sourceIPAddress: z.string().default('203.0.113.10'),
    userAgent: z.string().default('aws-cli/2.15.0'),
    region: z.string().default('us-east-1').describe('The region that records it (global services such as IAM: us-east-1)'),
  })
  .refine((e) => !isDataEvent(e.eventSource, e.eventName), {
    message:
      'a data event: LookupEvents never returns it; put it in the log files of a trail that selects it (s3 buckets[].cloudTrailLogs)',
  });

interface EventState {
  id: string;
  time: Date;
  source: string;
  name: string;
  category: 'Management' | 'Insight';
  readOnly: boolean;
  accessKeyId?: string;
  userName?: string;
  resources: { type: string; name: string }[];
  ip: string;
  agent: string;
  region: string;
}

/** LookupEvents covers the last 90 days. */
const RETENTION_MS = 90 * 86_400_000;
const ATTRIBUTE_KEYS = ['EventId', 'EventName', 'ReadOnly', 'Username', 'ResourceType', 'ResourceName', 'EventSource', 'AccessKeyId'];

const matches = (e: EventState, key: string, value: string): boolean => {
  switch (key) {
    case 'EventId':
      return e.id === value;
    case 'EventName':
      return e.name === value;
    case 'ReadOnly':
      return String(e.readOnly) === value;
    case 'Username':
      return e.userName === value;
    case 'ResourceType':
      return e.resources.some((r) => r.type === value);
    case 'ResourceName':
      return e.resources.some((r) => r.name === value);
    case 'EventSource':
      return e.source === value;
    default:
      return e.accessKeyId === value;
  }
};

const invalid = (name: string, message: string) => new SimulatedServiceError(name, message);

/** The CloudTrail record of a management event, as LookupEvents returns it in CloudTrailEvent. */
const record = (e: EventState, accountId: string): string =>
  JSON.stringify({
    eventVersion: '1.10',
    userIdentity: {
      type: 'IAMUser',
      accountId,
      ...(e.userName ? { userName: e.userName, arn: `${arnPrefix(e.region)}iam::${accountId}:user/${e.userName}` } : {}),
      ...(e.accessKeyId ? { accessKeyId: e.accessKeyId } : {}),
    },
    eventTime: e.time.toISOString(),
    eventSource: e.source,
    eventName: e.name,
    awsRegion: e.region,
    sourceIPAddress: e.ip,
    userAgent: e.agent,
    eventID: e.id,
    readOnly: e.readOnly,
    eventType: e.category === 'Insight' ? 'AwsCloudTrailInsight' : 'AwsApiCall',
    managementEvent: e.category === 'Management',
    recipientAccountId: accountId,
    eventCategory: e.category,
  });

/**
 * CloudTrail event history (LookupEvents) as AWS documents it: management events (or, with EventCategory "insight",
 * Insights events) recorded in the client's region in the last 90 days, newest first; at most one lookup attribute;
 * MaxResults 1-50 (default 50) with NextToken pages; AWS's errors for a bad attribute, time range, page size or token.
 */
export const cloudTrailEventsModule = defineModule({
  key: 'cloudtrailEvents',
  clientName: 'CloudTrailClient',
  fixture: z.array(event).default([]),
  load: (fixture, now): EventState[] =>
    fixture.map((e, i) => {
      const time = resolveDate(e.eventTime, now);
      return {
        id: createHash('sha256').update(`${i}|${e.eventSource}|${e.eventName}|${time.toISOString()}`).digest('hex').slice(0, 32),
        time,
        source: e.eventSource,
        name: e.eventName,
        category: e.eventCategory,
        readOnly: e.readOnly ?? /^(Get|List|Describe|Lookup)/.test(e.eventName),
        accessKeyId: e.accessKeyId,
        userName: e.userName,
        resources: e.resources,
        ip: e.sourceIPAddress,
        agent: e.userAgent,
        region: e.region,
      };
    }),
  commands: (state, now) => ({
    LookupEvents: (input, ctx) => {
      const attributes = (input.LookupAttributes ?? []) as { AttributeKey?: string; AttributeValue?: string }[];
      if (attributes.length > 1) throw invalid('InvalidLookupAttributesException', 'You can only specify one lookup attribute.');
      const [attribute] = attributes;
      if (attribute && (!ATTRIBUTE_KEYS.includes(String(attribute.AttributeKey)) || !attribute.AttributeValue)) {
        throw invalid('InvalidLookupAttributesException', `Invalid lookup attribute: ${String(attribute.AttributeKey)}`);
      }
      const category = input.EventCategory;
      if (category !== undefined && category !== 'insight') throw invalid('InvalidEventCategoryException', 'Invalid event category.');
      const end = input.EndTime ? new Date(input.EndTime as Date) : now();
      const start = new Date(Math.max(input.StartTime ? new Date(input.StartTime as Date).getTime() : 0, now().getTime() - RETENTION_MS));
      if (input.StartTime && input.EndTime && new Date(input.StartTime as Date) > end) {
        throw invalid('InvalidTimeRangeException', 'Start time must be earlier than end time.');
      }
      const max = input.MaxResults === undefined ? 50 : Number(input.MaxResults);
      if (!Number.isInteger(max) || max < 1 || max > 50)
        throw invalid('InvalidMaxResultsException', 'MaxResults must be between 1 and 50.');
      const found = state(ctx.accountId)
        .filter((e) => e.region === ctx.region && e.time >= start && e.time <= end)
        .filter((e) => e.category === (category === 'insight' ? 'Insight' : 'Management'))
        .filter((e) => !attribute || matches(e, String(attribute.AttributeKey), String(attribute.AttributeValue)))
        .sort((a, b) => b.time.getTime() - a.time.getTime() || a.id.localeCompare(b.id));
      let from = 0;
      if (input.NextToken !== undefined) {
        from = found.findIndex((e) => e.id === input.NextToken);
        if (from < 0) throw invalid('InvalidNextTokenException', 'Invalid NextToken.');
      }
      const page = found.slice(from, from + max);
      const next = found[from + max];
      return {
        Events: page.map((e) => ({
          EventId: e.id,
          EventName: e.name,
          ReadOnly: String(e.readOnly),
          AccessKeyId: e.accessKeyId,
          EventTime: e.time,
          EventSource: e.source,
          Username: e.userName,
          Resources: e.resources.map((r) => ({ ResourceType: r.type, ResourceName: r.name })),
          CloudTrailEvent: record(e, ctx.accountId),
        })),
        ...(next ? { NextToken: next.id } : {}),
      };
    },
  }),
});
