import type { WorkflowState } from '../../functions/findings/types';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { SimulatedServiceError } from '../../sandbox/simulated-aws';
import { asffFinding, customActionEvent, runToEnd, startCloud } from '../support/workflow';

/**
 * The known CloudTrail.1 defect through the synthesized state machine: CreateTrail succeeds, StartLogging is throttled
 * past the SDK's attempts, Remediate fails with ThrottledError and the definition's Retry runs it again. The retry must
 * adopt the trail hubfix created and finish, so the finding is resolved with a true note and a record Undo can use.
 * (Before the fix the retry met TrailAlreadyExistsException, reported "nothing was changed" and left a trail that did
 * not log, with no change record.)
 */

jest.setTimeout(60_000);

const ACCOUNT = '444444444444';
const fixture = { accounts: { '111111111111': { name: 'security-tooling' }, [ACCOUNT]: { name: 'no-trail' } } };
const config = { cloudtrail: { trailBucket: 'org-cloudtrail-logs' } };
const finding = asffFinding({
  controlId: 'CloudTrail.1',
  resourceType: 'AwsAccount',
  resourceId: `AWS::::Account:${ACCOUNT}`,
  accountId: ACCOUNT,
});

let cloud: LocalCloud | undefined;
afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
});

describe('CloudTrail.1 create path retried by the state machine', () => {
  it('resolves the finding when StartLogging is throttled past the SDK: the retried Remediate adopts the new trail', async () => {
    // Prepare: the SDK tries StartLogging 3 times; all three are throttled, the state machine's retry goes through
    cloud = await startCloud(fixture, config);
    const c = cloud;
    let throttled = 0;
    c.sim.faults = (call) => {
      if (call.command === 'StartLogging' && throttled++ < 3)
        throw new SimulatedServiceError('ThrottlingException', 'Rate exceeded', { throttling: true });
    };

    // Act
    const report = await runToEnd(c, customActionEvent([finding]), 'approve');

    // Assess
    const state = [...c.stepFunctions.executions.values()][0].output as WorkflowState;
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(report.findings[0].note).toContain(
      'Created multi-region trail hubfix-management-events delivering to s3://org-cloudtrail-logs and started logging',
    );
    expect(c.sim.calls.filter((call) => call.command === 'CreateTrail')).toHaveLength(1);
    expect(c.sim.calls.filter((call) => call.command === 'StartLogging')).toHaveLength(4);
    expect(state.change?.before).toEqual({ kind: 'absent', trailName: 'hubfix-management-events', homeRegion: 'us-east-1' });
    expect(c.sim.snapshot()[ACCOUNT].trails).toEqual({
      'trail/hubfix-management-events': {
        multiRegion: true,
        logging: true,
        logFileValidation: true,
        kmsKeyId: null,
        managementEvents: 'All',
      },
    });
  });
});
