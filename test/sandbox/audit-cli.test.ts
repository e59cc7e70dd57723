import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditRecord } from '../../functions/audit/audit';

const ROOT = join(__dirname, '..', '..');
const hubfix = (...args: string[]): string =>
  execFileSync('node', ['bin/hubfix.js', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: 'pipe',
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT' },
  });

jest.setTimeout(90_000);

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'hubfix-audit-cli-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bin/hubfix.js: run --audit-file, audit export, report', () => {
  it('keeps the runs of a sandbox session in the audit file, exports them with approver and before/after, and reports them', () => {
    // Prepare
    const auditFile = join(dir, 'audit.jsonl');
    const csv = join(dir, 'evidence.csv');
    const json = join(dir, 'evidence.json');
    const report = join(dir, 'report.html');

    // Act
    const runOut = hubfix(
      'run',
      '--event',
      'sandbox/fixtures/two-keys-event.json',
      '--account',
      'sandbox/fixtures/demo-account.json',
      '--decision',
      'approve',
      '--json',
      '--audit-file',
      auditFile,
    );
    hubfix('audit', 'export', '--from', auditFile, '--since', '2000-01-01', '--format', 'csv', '--out', csv);
    hubfix('audit', 'export', '--from', auditFile, '--format', 'json', '--out', json);
    const reportOut = hubfix('report', '--from', auditFile, '--out', report);

    // Assess
    expect(() => JSON.parse(runOut)).not.toThrow(); // --json stays one JSON document: no metrics or notes on stdout
    const records = JSON.parse(readFileSync(json, 'utf8')) as AuditRecord[];
    expect(records.map((r) => [r.finding.resourceId.split('/').pop(), r.outcome, r.approval?.approver ?? 'automatic'])).toEqual([
      ['ci-legacy', 'resolved', 'automatic'],
      ['orders-service', 'resolved', 'Ana Approver <ana@example.test>'],
    ]);
    expect(records[1].change?.before).toEqual({ userName: 'orders-service', statuses: { AKIAIOSFODNN7ORDERS1: 'Active' } });
    const evidence = readFileSync(csv, 'utf8');
    expect(evidence.split('\r\n')[0]).toMatch(/^executionId,findingId,/);
    expect(evidence).toContain(',approved,Ana Approver <ana@example.test>,Approved from the hubfix CLI,');
    expect(evidence).toContain('"{""userName"":""orders-service"",""statuses"":{""AKIAIOSFODNN7ORDERS1"":""Inactive""}}"');
    expect(reportOut).toContain(`Wrote the report of 2 runs to ${report}`);
    expect(readFileSync(report, 'utf8')).toContain('<canvas id="compliance-chart"');
  });

  it('says what is wrong with a bad --since', () => {
    expect(() =>
      execFileSync('node', ['bin/hubfix.js', 'audit', 'export', '--from', 'nowhere.jsonl', '--since', 'yesterday'], {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: 'pipe',
      }),
    ).toThrow(/--since must be a date/);
  });
});
