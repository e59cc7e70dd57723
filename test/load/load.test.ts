import { runLoad } from '../../bench/load';
import { realisticThrottles, type ThrottlePolicy } from '../../bench/token-bucket';

/** The bench's realistic rates, with IAM halved (5/s, burst 10). */
const tightThrottles: ThrottlePolicy = (call) => {
  const throttle = realisticThrottles(call);
  return throttle && call.service === 'IAM' ? { ...throttle, rate: { perSecond: 5, burst: 10 } } : throttle;
};

/**
 * The load run of `npm run bench`, scaled to 100 findings so it fits the suite: 100 IAM.3 findings over 10 member
 * accounts (10 users each: about 70 IAM calls per account against a burst of 10), sent as
 * custom-action events of 20 through SQS and intake; IAM throttled at 5 requests/s (burst 10), CloudTrail
 * LookupEvents at 2/s, with the definition's own Retry timings (2 s × 2^n, full jitter). The 1,000-finding run is in
 * the bench (`npm run bench`).
 */

// The buckets refill in real time: on a slow or loaded runner the same run takes longer (36 s alone on a 2-core machine,
// over 120 s in one CI run). A timed-out run would keep its local cloud listening and jest from exiting, so the bound is generous.
jest.setTimeout(600_000);

describe('load under throttling', () => {
  it('annotates every one of 100 findings, none failed for throttling, and deactivates every key', async () => {
    // Act
    const report = await runLoad({ findings: 100, accounts: 10, throttles: tightThrottles });

    // Assess
    // Some bucket ran dry, so the SDK and state machine retries did work. Which one depends on the machine's speed: on a slow
    // runner IAM calls spread out under 5/s, but each custom action starts 20 runs whose Assess re-read their findings at once
    // (GetFindings: burst 6, 3/s). The deterministic throttling cases are in test/faults and test/retry.
    expect(Object.values(report.throttled).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(report.lost).toBe(0);
    expect(report.failedForThrottling).toBe(0);
    expect(report.outcomes).toEqual({ resolved: 100 });
    expect(report.executions).toEqual({ SUCCEEDED: 100 });
    expect(report.deadLettered).toBe(0);
    expect(report.keysDeactivated).toBe(100);
    expect(report.findingsPerSecond).toBeGreaterThan(0);
  });
});
