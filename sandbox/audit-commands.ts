import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readAuditRecords, type AuditRecord } from '../functions/audit/audit';
import type { HubfixConfig } from '../functions/platform/config';
import { formatAudit, inRange, isoInstant, localAuditRecords, readAuditFile, type AuditFormat } from './audit-export';
import { renderReport } from './compliance-report';
import { loadFixture } from './fixture';
import { LocalCloud } from './local-cloud';
import { runEvent } from './session';

/** Where `hubfix audit export` and `hubfix report` read records from. */
export interface AuditSource {
  /** A JSON-lines file written by `hubfix run` / `hubfix demo --audit-file`. */
  from?: string;
  /** The deployed audit table (stack output AuditTableName), read with the default AWS credentials. */
  table?: string;
  region?: string;
  since?: string;
  until?: string;
}

const FIXTURES = join(__dirname, 'fixtures');

/**
 * With neither a file nor a table, the sandbox's own trail: the demo's findings run once (approvals approved)
 * on a fresh local cloud, and its records are reported. The local DynamoDB ends with the process.
 */
const sandboxRecords = async (config: HubfixConfig): Promise<AuditRecord[]> => {
  const fixture = loadFixture(join(FIXTURES, 'demo-account.json'));
  const cloud = await LocalCloud.start({ fixture, config, retryIntervalMs: 0 });
  try {
    const event: unknown = JSON.parse(readFileSync(join(FIXTURES, 'demo-event.json'), 'utf8'));
    await runEvent(cloud, event, () => ({
      decision: 'approve',
      approver: 'hubfix report (sandbox)',
      reason: 'Approved by the sandbox run',
    }));
    return await localAuditRecords(cloud);
  } finally {
    await cloud.stop();
  }
};

/** The records of the source in [since, until), oldest first; describes the source for the report header. */
export const loadAuditRecords = async (
  source: AuditSource,
  config: HubfixConfig,
): Promise<{ records: AuditRecord[]; described: string }> => {
  if (source.from && source.table) throw new Error('give either --from FILE or --table NAME, not both');
  const since = source.since ? isoInstant(source.since, '--since') : undefined;
  const until = source.until ? isoInstant(source.until, '--until') : undefined;
  if (source.from) return { records: inRange(readAuditFile(source.from), since, until), described: source.from };
  if (source.table) {
    const client = new DynamoDBClient(source.region ? { region: source.region } : {});
    try {
      const doc = DynamoDBDocumentClient.from(client);
      return {
        records: await readAuditRecords(doc, source.table, { since: since ?? '0', until }),
        described: `DynamoDB table ${source.table}`,
      };
    } finally {
      client.destroy();
    }
  }
  return { records: inRange(await sandboxRecords(config), since, until), described: 'a sandbox run of the demo findings' };
};

/** `hubfix audit export`: the evidence file (or stdout). Returns what to tell the user. */
export const exportAudit = async (
  source: AuditSource,
  format: AuditFormat,
  config: HubfixConfig,
  out?: string,
): Promise<string | undefined> => {
  const { records } = await loadAuditRecords(source, config);
  const text = formatAudit(records, format);
  if (!out) {
    process.stdout.write(text);
    return undefined;
  }
  writeFileSync(out, text);
  return `Wrote ${records.length} audit record${records.length === 1 ? '' : 's'} to ${out} (${format})`;
};

/** `hubfix report`: the self-contained HTML report. */
export const writeReport = async (source: AuditSource, config: HubfixConfig, out: string, now: Date = new Date()): Promise<string> => {
  const { records, described } = await loadAuditRecords(source, config);
  writeFileSync(out, renderReport(records, { generatedAt: now, source: described }));
  return `Wrote the report of ${records.length} run${records.length === 1 ? '' : 's'} to ${out}`;
};
