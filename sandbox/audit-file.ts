import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAuditRecords, type AuditRecord } from '../functions/audit/audit';
import type { HubfixConfig } from '../functions/platform/config';
import { documentClient } from '../functions/platform/dynamo';
import { loadFixture } from './fixture';
import { LocalCloud } from './local-cloud';
import { runEvent } from './session';

/**
 * The sandbox's audit trail: its DynamoDB lives only as long as the process, so `hubfix run` / `hubfix demo
 * --audit-file` append each run's records to a JSON-lines file that `hubfix audit export --from` and `hubfix report
 * --from` read (cli/audit-export.ts).
 */

/** Appends records to a JSON-lines file, one record a line (the file is created when missing). */
export const appendAuditFile = (file: string, records: AuditRecord[]): void => {
  if (records.length > 0) appendFileSync(file, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
};

/** Every record the local cloud's audit table holds (the same Query the deployed reader makes). */
export const localAuditRecords = (cloud: LocalCloud): Promise<AuditRecord[]> =>
  readAuditRecords(documentClient(cloud.runtime), cloud.runtime.settings.auditTableName, { since: '0' });

/** `--audit-file`: appends the records of this sandbox's runs; returns how many. */
export const saveLocalAudit = async (cloud: LocalCloud, file: string): Promise<number> => {
  const records = await localAuditRecords(cloud);
  appendAuditFile(file, records);
  return records.length;
};

const FIXTURES = join(__dirname, 'fixtures');

/**
 * The trail of a sandbox run of the demo findings (approvals approved) on a fresh local cloud: what `hubfix audit
 * export` and `hubfix report` show when given neither a file nor a deployment.
 */
export const demoAuditRecords = async (config: HubfixConfig): Promise<AuditRecord[]> => {
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
