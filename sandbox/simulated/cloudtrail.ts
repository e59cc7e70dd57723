import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { fixtureDate, resolveDate } from './dates';
import { defineModule } from './service';

const event = z.object({
  eventTime: fixtureDate,
  eventSource: z.string().describe('e.g. s3.amazonaws.com'),
  eventName: z.string(),
  accessKeyId: z.string().optional(),
  userName: z.string().optional(),
  sourceIPAddress: z.string().default('203.0.113.10'),
  userAgent: z.string().default('aws-cli/2.15.0'),
  region: z.string().default('us-east-1'),
});

interface EventState {
  time: Date;
  source: string;
  name: string;
  accessKeyId?: string;
  userName?: string;
  ip: string;
  agent: string;
  region: string;
}

/** CloudTrail management events, for LookupEvents (per region, newest first, 50 a page like AWS). */
export const cloudTrailEventsModule = defineModule({
  key: 'cloudtrailEvents',
  clientName: 'CloudTrailClient',
  fixture: z.array(event).default([]),
  load: (fixture, now): EventState[] =>
    fixture.map((e) => ({
      time: resolveDate(e.eventTime, now),
      source: e.eventSource,
      name: e.eventName,
      accessKeyId: e.accessKeyId,
      userName: e.userName,
      ip: e.sourceIPAddress,
      agent: e.userAgent,
      region: e.region,
    })),
  commands: (state, now) => ({
    LookupEvents: (input, ctx) => {
      const attributes = (input.LookupAttributes ?? []) as { AttributeKey: string; AttributeValue: string }[];
      const start = input.StartTime ? new Date(input.StartTime as Date) : new Date(0);
      const end = input.EndTime ? new Date(input.EndTime as Date) : now();
      const max = Math.min(Number(input.MaxResults ?? 50), 50);
      const matches = state(ctx.accountId)
        .filter((e) => e.region === ctx.region && e.time >= start && e.time <= end)
        .filter((e) =>
          attributes.every((a) =>
            a.AttributeKey === 'AccessKeyId'
              ? e.accessKeyId === a.AttributeValue
              : a.AttributeKey === 'Username'
                ? e.userName === a.AttributeValue
                : a.AttributeKey === 'EventName'
                  ? e.name === a.AttributeValue
                  : true,
          ),
        )
        .sort((a, b) => b.time.getTime() - a.time.getTime());
      return {
        Events: matches.slice(0, max).map((e) => ({
          EventId: randomUUID(),
          EventName: e.name,
          EventTime: e.time,
          EventSource: e.source,
          AccessKeyId: e.accessKeyId,
          Username: e.userName,
          CloudTrailEvent: JSON.stringify({ sourceIPAddress: e.ip, userAgent: e.agent, eventSource: e.source, eventName: e.name }),
        })),
        NextToken: matches.length > max ? 'more' : undefined,
      };
    },
  }),
});
