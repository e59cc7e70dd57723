import { writeFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readAuditRecords, type AuditRecord } from '../functions/audit/audit';
import type { HubfixConfig } from '../functions/platform/config';
import { demoAuditRecords } from '../sandbox/audit-file';
import { clientSettings, outputOf, targetsDeployment, type AwsOptions } from './aws';
import { formatAudit, inRange, isoInstant, readAuditFile, type AuditFormat } from './audit-export';
import { renderReport } from './compliance-report';
import { findDeployment } from './deployment';

/** Where `hubfix audit export` and `hubfix report` read records from. */
export interface AuditSource extends AwsOptions {
  /** A JSON-lines file written by `hubfix run` / `hubfix demo --audit-file`. */
  from?: string;
  /** The deployed audit table by name; with --profile / --region / --stack alone, the stack's output AuditTableName. */
  table?: string;
  since?: string;
  until?: string;
}

/** The deployed audit table, read with the operator's credentials. */
const deployedRecords = async (source: AuditSource, since?: string, until?: string) => {
  const table = source.table ?? outputOf(await findDeployment(source), 'AuditTableName');
  const client = new DynamoDBClient(clientSettings(source));
  try {
    return {
      records: await readAuditRecords(DynamoDBDocumentClient.from(client), table, { since: since ?? '0', until }),
      described: `DynamoDB table ${table}`,
    };
  } finally {
    client.destroy();
  }
};

/**
 * The records of the source in [since, until), oldest first; describes the source for the report header. With neither
 * a file nor a deployment, the trail of a sandbox run of the demo findings.
 */
export const loadAuditRecords = async (
  source: AuditSource,
  config: HubfixConfig,
): Promise<{ records: AuditRecord[]; described: string }> => {
  if (source.from && (source.table || targetsDeployment(source))) throw new Error('give either --from FILE or a deployment, not both');
  const since = source.since ? isoInstant(source.since, '--since') : undefined;
  const until = source.until ? isoInstant(source.until, '--until') : undefined;
  if (source.from) return { records: inRange(readAuditFile(source.from), since, until), described: source.from };
  if (source.table || targetsDeployment(source)) return deployedRecords(source, since, until);
  return { records: inRange(await demoAuditRecords(config), since, until), described: 'a sandbox run of the demo findings' };
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
