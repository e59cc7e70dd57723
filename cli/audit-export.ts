import { requesterLabel } from '../functions/findings/requester';
import { readFileSync } from 'node:fs';
import type { AuditRecord } from '../functions/audit/audit';

/**
 * The evidence file an auditor asks for: every run with its finding, route and reason, approver, change
 * (before/after), verification and step timestamps, as CSV (RFC 4180) or JSON, from the deployed audit table or
 * from the JSON-lines file `hubfix run` / `hubfix demo --audit-file` append to (sandbox/audit-file.ts).
 */

export type AuditFormat = 'csv' | 'json';

/** The CSV columns, in order, and how each is read from a record. Objects (before/after) are compact JSON. */
export const AUDIT_CSV_COLUMNS: [string, (r: AuditRecord) => unknown][] = [
  ['executionId', (r) => r.executionId],
  ['findingId', (r) => r.finding.id],
  ['findingTitle', (r) => r.finding.title],
  ['controlId', (r) => r.finding.controlId],
  ['severity', (r) => r.finding.severity],
  ['accountId', (r) => r.finding.accountId],
  ['region', (r) => r.finding.resourceRegion],
  ['resourceType', (r) => r.finding.resourceType],
  ['resourceId', (r) => r.finding.resourceId],
  ['action', (r) => r.action],
  ['trigger', (r) => r.trigger],
  ['requestedBy', (r) => r.requestedBy && requesterLabel(r.requestedBy)],
  ['route', (r) => r.assessment?.route],
  ['routeReason', (r) => r.assessment?.routeReason],
  ['risk', (r) => r.assessment?.risk],
  ['evidence', (r) => r.assessment?.evidence.map((e) => `${e.fact} [${e.source}]`).join('\n')],
  ['plan', (r) => r.assessment?.plan?.summary],
  ['decision', (r) => r.approval?.decision ?? (r.assessment?.route === 'auto' ? 'automatic' : undefined)],
  ['approver', (r) => r.approval?.approver],
  ['approvalReason', (r) => r.approval?.reason],
  ['change', (r) => r.change?.summary],
  ['before', (r) => r.change?.before],
  ['after', (r) => r.change?.after],
  ['verification', (r) => r.verification?.observed],
  ['failedStep', (r) => r.error?.step],
  ['error', (r) => (r.error ? `${r.error.name}: ${r.error.message}` : undefined)],
  ['outcome', (r) => r.outcome],
  ['workflowStatus', (r) => r.workflowStatus],
  ['receivedAt', (r) => r.receivedAt],
  ['assessedAt', (r) => r.assessedAt],
  ['decidedAt', (r) => r.decidedAt],
  ['changedAt', (r) => r.changedAt],
  ['checkedAt', (r) => r.checkedAt],
  ['annotatedAt', (r) => r.annotatedAt],
  ['timeToRemediateSeconds', (r) => r.timeToRemediateSeconds],
  ['approvalWaitSeconds', (r) => r.approvalWaitSeconds],
  ['note', (r) => r.note],
];

/**
 * One CSV field (RFC 4180): quoted when it holds a quote, comma, CR or LF, quotes doubled. Text that a
 * spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading apostrophe (OWASP "CSV
 * injection"): finding titles and resource names come from accounts hubfix does not control.
 */
export const csvField = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

const CRLF = '\r\n';

export const toAuditCsv = (records: AuditRecord[]): string =>
  [AUDIT_CSV_COLUMNS.map(([name]) => name), ...records.map((r) => AUDIT_CSV_COLUMNS.map(([, read]) => read(r)))]
    .map((row) => row.map(csvField).join(','))
    .join(CRLF) + CRLF;

export const toAuditJson = (records: AuditRecord[]): string => `${JSON.stringify(records, null, 2)}\n`;

export const formatAudit = (records: AuditRecord[], format: AuditFormat): string =>
  format === 'csv' ? toAuditCsv(records) : toAuditJson(records);

/** A date or date-time as the ISO 8601 instant records are compared with; throws on anything else. */
export const isoInstant = (text: string, option: string): string => {
  const time = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(time))
    throw new Error(`${option} must be a date (2026-11-01) or an ISO 8601 time, not "${text}"`);
  return new Date(time).toISOString();
};

/** Records annotated at or after `since` (ISO) and before `until`, oldest first. */
export const inRange = (records: AuditRecord[], since?: string, until?: string): AuditRecord[] =>
  records
    .filter((r) => (!since || r.annotatedAt >= since) && (!until || r.annotatedAt < until))
    .sort((a, b) => a.annotatedAt.localeCompare(b.annotatedAt));

/** Reads a JSON-lines audit file; a bad line is reported with its number rather than skipped. */
export const readAuditFile = (file: string): AuditRecord[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line !== '')
    .map(({ line, number }) => {
      try {
        const record = JSON.parse(line) as AuditRecord;
        if (!record.executionId || !record.finding || !record.annotatedAt) throw new Error('not an audit record');
        return record;
      } catch (error) {
        throw new Error(`${file}:${number}: ${(error as Error).message}`, { cause: error });
      }
    });
