import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `hubfix controls audit | disable | enable` as a user runs them, on the organization fixture. */
const ROOT = join(__dirname, '..', '..');
const FIXTURE = 'sandbox/fixtures/organization-controls.json';
const hubfix = (...args: string[]) =>
  execFileSync('node', ['bin/hubfix.js', 'controls', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT' },
  });

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hubfix-hygiene-cli-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('hubfix controls audit --json', () => {
  it('prints per account and region the proposed controls and the failed findings before and after', () => {
    // Act
    const report = JSON.parse(hubfix('audit', '--account', FIXTURE, '--json')) as {
      totals: Record<string, number>;
      regions: { accountId: string; region: string }[];
    };

    // Assess
    expect(report.totals).toEqual({ candidates: 38, selected: 35, failedFindingsBefore: 21, failedFindingsAfter: 8 });
    expect(report.regions.map((r) => `${r.accountId} ${r.region}`)).toEqual(
      expect.arrayContaining(['222222222222 eu-west-1', '333333333333 eu-west-1']),
    );
  });
});

describe('hubfix controls disable --approve, then enable --from', () => {
  it('disables the batch with before/after failed findings, and one command re-enables it', () => {
    // Prepare
    const changes = join(tmp, 'changes.json');

    // Act
    const disabled = JSON.parse(hubfix('disable', '--account', FIXTURE, '--approve', '--out', changes, '--json')) as {
      run: { record: { status: string; counts: { changed: number } }; failedFindings: { totalBefore: number; totalAfter: number } };
    };
    const enabled = JSON.parse(hubfix('enable', '--from', changes, '--account', FIXTURE, '--json')) as {
      record: { mode: string; counts: { changed: number } };
      failedFindings: { totalBefore: number; totalAfter: number };
    };

    // Assess
    expect(disabled.run.record.status).toBe('applied');
    expect(disabled.run.failedFindings).toEqual(expect.objectContaining({ totalBefore: 21, totalAfter: 8 }));
    expect(enabled.record).toEqual(
      expect.objectContaining({ mode: 'enable', counts: expect.objectContaining({ changed: disabled.run.record.counts.changed }) }),
    );
    expect(enabled.failedFindings).toEqual(expect.objectContaining({ totalBefore: 8, totalAfter: 21 }));
  });
});
