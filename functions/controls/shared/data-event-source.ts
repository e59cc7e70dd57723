import type { HubfixConfig } from '../../platform/config';
import type { ScopedGrant } from '../grants';

/**
 * The configured data-event source (config `usage.dataEventSource`): where its log files are, how evidence names it, and the
 * grants reading it needs. Apart from trail-log-records.ts so a definition can declare the grants without loading S3's client.
 */

export type DataEventSource = NonNullable<HubfixConfig['usage']['dataEventSource']>;

export const logsRoot = (keyPrefix: string): string => `${keyPrefix ? `${keyPrefix.replace(/\/+$/, '')}/` : ''}AWSLogs/`;

export const describeSource = (source: DataEventSource): string =>
  `s3://${source.bucket}/${logsRoot(source.keyPrefix)} (${source.organizationId ? 'organization trail' : 'trail'} logs, account ` +
  `${source.accountId})`;

/** The configured bucket's log files and nothing else; no bucket configured, no grant. */
export const dataEventSourceGrants: readonly ScopedGrant[] = [
  {
    action: 's3:ListBucket',
    resources: (s) => (s.dataEventLogs ? [`arn:${s.partition}:s3:::${s.dataEventLogs.bucket}`] : []),
    conditions: (s) => ({ StringLike: { 's3:prefix': [`${logsRoot(s.dataEventLogs?.keyPrefix ?? '')}*`] } }),
    why: 'lists the CloudTrail log files of the configured data-event source (usage.dataEventSource) only',
  },
  {
    action: 's3:GetObject',
    resources: (s) =>
      s.dataEventLogs ? [`arn:${s.partition}:s3:::${s.dataEventLogs.bucket}/${logsRoot(s.dataEventLogs.keyPrefix)}*`] : [],
    why: 'reads the CloudTrail log files of the configured data-event source (usage.dataEventSource) only',
  },
];
