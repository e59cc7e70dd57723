import { runLoad } from '../../bench/load';
import { realisticThrottles } from '../../bench/token-bucket';

/**
 * The load run of `npm run bench`, scaled to 100 findings so it fits the suite: 100 IAM.3 findings over 10 member
 * accounts (10 users each: about 70 IAM calls per account against a burst of 20, so the buckets run dry), sent as
 * custom-action events of 20 through SQS and intake; IAM throttled at 10 requests/s (burst 20), CloudTrail
 * LookupEvents at 2/s, with the definition's own Retry timings (2 s × 2^n, full jitter). The 1,000-finding run is in
 * the bench (`npm run bench`).
 */

jest.setTimeout(120_000);

describe('load under throttling', () => {
  it('annotates every one of 100 findings, none failed for throttling, and deactivates every key', async () => {
    // Act
    const report = await runLoad({ findings: 100, accounts: 10, throttles: realisticThrottles });

    // Assess
    expect(report.throttled.IAM ?? 0).toBeGreaterThan(0); // the buckets did run dry
    expect(report.lost).toBe(0);
    expect(report.failedForThrottling).toBe(0);
    expect(report.outcomes).toEqual({ resolved: 100 });
    expect(report.executions).toEqual({ SUCCEEDED: 100 });
    expect(report.deadLettered).toBe(0);
    expect(report.keysDeactivated).toBe(100);
    expect(report.findingsPerSecond).toBeGreaterThan(0);
  });
});
