import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAuditRecord, type AuditRecord } from '../../functions/audit/audit';
import { describeOutcome } from '../../functions/workflow/outcome';
import type { WorkflowState } from '../../functions/findings/types';
import { AUDIT_CSV_COLUMNS, csvField, inRange, isoInstant, readAuditFile, toAuditCsv } from '../../cli/audit-export';
import { appendAuditFile } from '../../sandbox/audit-file';
import { assessment, finding } from '../approval/fixtures';

/** A strict RFC 4180 reader, written independently of the writer: quoted fields, doubled quotes, CRLF records. */
const parseCsv = (text: string): string[][] => {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else if (c === '"' || c === '\n' || c === '\r') {
      throw new Error(`bare ${JSON.stringify(c)} at ${i}`);
    } else field += c;
  }
  if (field !== '' || row.length > 0) throw new Error('the last record has no CRLF');
  return rows;
};

const record = (
  overrides: Partial<WorkflowState> = {},
  executionId = 'arn:aws:states:us-east-1:111111111111:execution:hubfix:run-1',
  at = '2025-03-01T12:10:00.000Z',
): AuditRecord => {
  const state: WorkflowState = {
    finding: finding(),
    action: 'remediate',
    trigger: 'custom-action',
    receivedAt: '2025-03-01T11:58:30.000Z',
    assessment: assessment(),
    approval: {
      decision: 'approved',
      approver: 'Ana "the auditor" Ortiz, CISO',
      reason: 'line one\nline two',
      decidedAt: '2025-03-01T12:04:00.000Z',
    },
    change: {
      summary: 'Deactivated',
      before: { key: 'Active' },
      after: { key: 'Inactive' },
      changedAt: '2025-03-01T12:04:05.000Z',
      reversible: true,
    },
    verification: { verified: true, observed: 'Inactive', checkedAt: '2025-03-01T12:04:30.000Z' },
    ...overrides,
  };
  return buildAuditRecord(state, executionId, describeOutcome(state, executionId, 86400), new Date(at));
};

describe('CSV fields (RFC 4180)', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rlf', '"cr\rlf"'],
    [undefined, ''],
    [360.5, '360.5'],
    [{ key: 'Active' }, '"{""key"":""Active""}"'],
  ])('writes %j as %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it.each(['=HYPERLINK("http://evil")', '+1', '-2+3', '@SUM(A1)'])('keeps a spreadsheet from running %j as a formula', (value) => {
    expect(parseCsv(`${csvField(value)}\r\n`)[0][0]).toBe(`'${value}`);
  });
});

describe('the CSV export', () => {
  it('has one header row and one row per run, each with every column, read back exactly by an RFC 4180 reader', () => {
    // Prepare
    const arn = 'arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Ops_0a1b/ana@example.com';
    const runs = [
      record({ requestedBy: { arn, userName: 'ana@example.com' } }),
      record(
        { finding: finding({ title: 'Title, with "quotes"\r\nand a break' }) },
        'arn:aws:states:us-east-1:111111111111:execution:hubfix:run-2',
      ),
    ];

    // Act
    const rows = parseCsv(toAuditCsv(runs));

    // Assess
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual(AUDIT_CSV_COLUMNS.map(([name]) => name));
    for (const row of rows) expect(row).toHaveLength(AUDIT_CSV_COLUMNS.length);
    const column = (name: string, row: string[]) => row[rows[0].indexOf(name)];
    expect(column('approver', rows[1])).toBe('Ana "the auditor" Ortiz, CISO');
    expect(column('approvalReason', rows[1])).toBe('line one\nline two');
    expect(JSON.parse(column('before', rows[1]))).toEqual({ key: 'Active' });
    expect(JSON.parse(column('after', rows[1]))).toEqual({ key: 'Inactive' });
    expect(column('findingTitle', rows[2])).toBe('Title, with "quotes"\r\nand a break');
    expect(column('decision', rows[1])).toBe('approved');
    expect(column('requestedBy', rows[1])).toBe(`ana@example.com (${arn})`);
    expect(column('requestedBy', rows[2])).toBe('');
    expect(column('timeToRemediateSeconds', rows[1])).toBe('360');
    expect(column('evidence', rows[1]).split('\n')).toEqual(assessment().evidence.map((e) => `${e.fact} [${e.source}]`));
  });

  it('names an automatic run "automatic" in the decision column', () => {
    // Act
    const rows = parseCsv(toAuditCsv([record({ assessment: assessment({ route: 'auto' }), approval: undefined })]));

    // Assess
    expect(rows[1][rows[0].indexOf('decision')]).toBe('automatic');
    expect(rows[1][rows[0].indexOf('approver')]).toBe('');
  });

  it('names the step that failed, as the run recorded it, beside the error', () => {
    // Prepare: Verify failed after the change was made
    const failed = record({
      verification: undefined,
      failure: {
        verify: {
          Error: 'VerificationFailedError',
          Cause: JSON.stringify({ errorType: 'VerificationFailedError', errorMessage: 'key still Active' }),
        },
      },
    });

    // Act
    const rows = parseCsv(toAuditCsv([failed, record()]));

    // Assess
    const column = (name: string, row: string[]) => row[rows[0].indexOf(name)];
    expect(column('failedStep', rows[1])).toBe('verify');
    expect(column('error', rows[1])).toBe('VerificationFailedError: key still Active');
    expect(column('outcome', rows[1])).toBe('failed');
    expect(column('failedStep', rows[2])).toBe('');
  });
});

describe('periods and audit files', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hubfix-audit-export-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('selects the runs that ended in [since, until), oldest first', () => {
    // Prepare
    const at = (time: string) => record({}, `arn:x:${time}`, time);
    const runs = [
      at('2025-04-02T00:00:00.000Z'),
      at('2025-03-31T23:59:59.999Z'),
      at('2025-04-01T00:00:00.000Z'),
      at('2025-05-01T00:00:00.000Z'),
    ];

    // Act
    const april = inRange(runs, isoInstant('2025-04-01', '--since'), isoInstant('2025-05-01', '--until'));

    // Assess
    expect(april.map((r) => r.annotatedAt)).toEqual(['2025-04-01T00:00:00.000Z', '2025-04-02T00:00:00.000Z']);
  });

  it('refuses a --since that is not a date', () => {
    expect(() => isoInstant('last week', '--since')).toThrow('--since must be a date (2026-11-01) or an ISO 8601 time, not "last week"');
  });

  it('appends JSON lines and reads them back; a broken line is named, not skipped', () => {
    // Prepare
    const file = join(dir, 'audit.jsonl');
    appendAuditFile(file, [record()]);
    appendAuditFile(file, [record({}, 'arn:x:2')]);

    // Act
    const read = readAuditFile(file);
    writeFileSync(file, `${JSON.stringify(record())}\n{"truncated": \n`);

    // Assess
    expect(read.map((r) => r.executionId)).toEqual([record().executionId, 'arn:x:2']);
    expect(() => readAuditFile(file)).toThrow(`${file}:2:`);
  });
});
