import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalCloud } from '../../sandbox/local-cloud';
import type { LocalExecution } from '../../sandbox/local-step-functions';
import { SimulatedServiceError, type ServedCall } from '../../sandbox/simulated-aws';
import { answerApproval, approvalLinkIn } from '../../sandbox/approver';
import {
  annotationOf,
  asffFinding,
  customActionEvent,
  HOME_ACCOUNT,
  keyStatus,
  oneSecondApproval,
  runToEnd,
  startCloud,
} from '../support/workflow';
import { STATE_MACHINE_FILE } from '../../infra/workflow-definition';
import { localAuditRecords } from '../../sandbox/audit-export';

/** How often a step meets a throttle that never ends: once plus the definition's ThrottledError retries, each with the SDK's 3 attempts. */
const throttledAttempts = (state: string): number => {
  const definition = JSON.parse(readFileSync(STATE_MACHINE_FILE, 'utf8')) as {
    States: Record<string, { Retry: { ErrorEquals: string[]; MaxAttempts: number }[] }>;
  };
  const retrier = definition.States[state].Retry.find((r) => r.ErrorEquals.includes('ThrottledError'));
  return (1 + (retrier?.MaxAttempts ?? 0)) * 3;
};

/**
 * Fault injection through the whole local cloud: the synthesized definition, the real handlers, the simulated
 * account with `sim.faults` throwing what AWS would. Every scenario asserts the finding's final annotation
 * (outcome, workflow status, what the note says happened) and what the account looks like afterwards.
 */

jest.setTimeout(60_000);

const demoAccount = JSON.parse(readFileSync(join(__dirname, '../../sandbox/fixtures/demo-account.json'), 'utf8')) as Record<
  string,
  unknown
>;
const LEGACY_KEY = 'AKIAIOSFODNN7LEGACY1';

/** The demo account plus a second forgotten key (low risk, fixed automatically). */
const withSecondIdleKey = (): Record<string, unknown> => {
  const fixture = structuredClone(demoAccount) as { accounts: Record<string, { iam: { users: unknown[] } }> };
  fixture.accounts[HOME_ACCOUNT].iam.users.push({
    userName: 'ci-old',
    accessKeys: [
      {
        accessKeyId: 'AKIAIOSFODNN7CIOLD01',
        status: 'Active',
        createDate: 'now-300d',
        lastUsed: { date: 'now-150d', serviceName: 's3', region: 'us-east-1' },
      },
    ],
  });
  return fixture;
};

const keyFinding = (user: string, controlId = 'IAM.3') =>
  asffFinding({ controlId, resourceType: 'AwsIamUser', resourceId: `arn:aws:iam::${HOME_ACCOUNT}:user/${user}` });

const onlyExecution = (cloud: LocalCloud): LocalExecution => {
  const executions = [...cloud.stepFunctions.executions.values()];
  expect(executions).toHaveLength(1);
  return executions[0];
};

/** The step the run's audit record names as failed: what the execution's Catch recorded, not a reading of the note. */
const failedStepOf = async (cloud: LocalCloud): Promise<string | undefined> => {
  const records = await localAuditRecords(cloud);
  expect(records).toHaveLength(1);
  return records[0].error?.step;
};

const callsOf = (cloud: LocalCloud, command: string): ServedCall[] => cloud.sim.calls.filter((c) => c.command === command);

const throttling = () => new SimulatedServiceError('Throttling', 'Rate exceeded', { throttling: true });

/** Fails the first `times` calls of `command` with `error`, then lets them through. */
const failFirst = (cloud: LocalCloud, command: string, times: number, error: () => Error): void => {
  let seen = 0;
  cloud.sim.faults = (call) => {
    if (call.command === command && seen++ < times) throw error();
  };
};

/** Every finding of a run ends with a truthful, final outcome: never unannotated, never still "awaiting". */
const expectEveryFindingFinal = (cloud: LocalCloud, findings: Record<string, unknown>[]): void => {
  for (const finding of findings) {
    const { outcome, note } = annotationOf(cloud, finding);
    expect(['resolved', 'failed', 'skipped', 'rejected', 'timed-out', 'not-applicable', 'compliant', 'planned']).toContain(outcome);
    expect(note).not.toBe('');
  }
  expect([...cloud.stepFunctions.executions.values()].filter((e) => e.status === 'RUNNING')).toEqual([]);
};

let cloud: LocalCloud | undefined;
afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
});

describe('throttling', () => {
  it('resolves both paths when every AWS service throttles every other call (SDK retries absorb it)', async () => {
    // Prepare: each command's 1st, 3rd, 5th… call is throttled, on every service the workflow touches
    cloud = await startCloud(demoAccount);
    const c = cloud;
    const seen = new Map<string, number>();
    c.sim.faults = (call) => {
      const key = `${call.service}.${call.command}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      if (n % 2 === 1) throw throttling();
    };
    const auto = keyFinding('ci-legacy');
    const approval = keyFinding('orders-service');

    // Act
    const report = await runToEnd(c, customActionEvent([auto, approval]), 'approve');

    // Assess
    expect(annotationOf(c, auto)).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(annotationOf(c, approval)).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(annotationOf(c, approval).note).toContain('after approval by Ana Approver <ana@example.test>');
    expect(keyStatus(c, 'ci-legacy')).toBe('Inactive');
    expect(keyStatus(c, 'orders-service')).toBe('Inactive');
    expect(report.emails).toHaveLength(1);
    const throttledServices = new Set([...seen.keys()].map((k) => k.split('.')[0]));
    expect([...throttledServices].sort()).toEqual(
      expect.arrayContaining(['CloudTrail', 'IAM', 'SFN', 'SNS', 'SecretsManager', 'SecurityHub']),
    );
    expect(callsOf(c, 'UpdateAccessKey')).toHaveLength(4); // two keys, each throttled once then served
  });

  it('outlasts the SDK: a call throttled 4 times in a row fails the step with ThrottledError and the state machine retries it', async () => {
    // Prepare: the SDK tries 3 times, so the 4th and 5th attempts come from the definition's Retry on ThrottledError
    cloud = await startCloud(demoAccount);
    failFirst(cloud, 'UpdateAccessKey', 4, throttling);
    const finding = keyFinding('ci-legacy');

    // Act
    await runToEnd(cloud, customActionEvent([finding]));

    // Assess
    expect(annotationOf(cloud, finding)).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(callsOf(cloud, 'UpdateAccessKey')).toHaveLength(5);
    expect(onlyExecution(cloud).status).toBe('SUCCEEDED');
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Inactive');
  });

  it('reports a throttle that never ends as failed, naming it, with nothing changed', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);
    failFirst(cloud, 'UpdateAccessKey', Number.POSITIVE_INFINITY, throttling);
    const finding = keyFinding('ci-legacy');

    // Act
    await runToEnd(cloud, customActionEvent([finding]));

    // Assess: 1 + 6 state machine attempts (MaxAttempts 6), 3 SDK attempts each
    const annotation = annotationOf(cloud, finding);
    expect(annotation).toMatchObject({ outcome: 'failed', workflowStatus: 'NOTIFIED' });
    expect(annotation.note).toMatch(/ThrottledError/);
    expect(annotation.note).toMatch(/nothing was changed/i);
    expect(callsOf(cloud, 'UpdateAccessKey')).toHaveLength(throttledAttempts('Remediate'));
    expect(onlyExecution(cloud)).toMatchObject({ status: 'FAILED', error: { Error: 'RemediationFailed' } });
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Active');
  });
});

describe('the account changes or refuses under the workflow', () => {
  it('reports a resource deleted between assessment and remediation, and changes nothing', async () => {
    // Prepare: the user disappears right after Assess read it (Remediate's first read finds it gone)
    cloud = await startCloud(demoAccount);
    const c = cloud;
    let listings = 0;
    c.sim.faults = (call) => {
      if (call.command === 'ListAccessKeys' && ++listings === 2) {
        (c.sim.account(HOME_ACCOUNT).states.get('iam') as Map<string, unknown>).delete('ci-legacy');
      }
    };
    const finding = keyFinding('ci-legacy');

    // Act
    await runToEnd(c, customActionEvent([finding]));

    // Assess
    const annotation = annotationOf(c, finding);
    expect(annotation).toMatchObject({ outcome: 'failed', workflowStatus: 'NOTIFIED' });
    expect(annotation.note).toMatch(/Remediation failed/);
    expect(annotation.note).toMatch(/ci-legacy/);
    expect(annotation.note).toMatch(/NoSuchEntity|no longer exists|cannot be found|not found/i);
    expect(callsOf(c, 'UpdateAccessKey')).toHaveLength(0);
    expect(onlyExecution(c).states).toEqual(['Assess', 'Route', 'Remediate', 'Annotate', 'Outcome', 'RemediationFailed']);
    expect(await failedStepOf(c)).toBe('remediate');
  });

  it('reports access denied on an approved change: failed, nothing changed, execution failed', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);
    cloud.sim.faults = (call) => {
      if (call.command === 'UpdateAccessKey')
        throw new SimulatedServiceError('AccessDenied', 'User is not authorized to perform: iam:UpdateAccessKey');
    };
    const finding = keyFinding('orders-service');

    // Act
    await runToEnd(cloud, customActionEvent([finding]), 'approve');

    // Assess
    const annotation = annotationOf(cloud, finding);
    expect(annotation).toMatchObject({ outcome: 'failed', workflowStatus: 'NOTIFIED' });
    expect(annotation.note).toMatch(/AccessDenied/);
    expect(annotation.note).toMatch(/nothing was changed/i);
    expect(onlyExecution(cloud).states).toEqual([
      'Assess',
      'Route',
      'RequestApproval',
      'Decision',
      'Remediate',
      'Annotate',
      'Outcome',
      'RemediationFailed',
    ]);
    expect(keyStatus(cloud, 'orders-service')).toBe('Active');
  });

  it('reports a change that was made but could not be verified (Verify denied): failed, and the note says what changed', async () => {
    // Prepare: Verify's role cannot read the keys (the 3rd ListAccessKeys onwards is Verify's)
    cloud = await startCloud(demoAccount);
    let listings = 0;
    cloud.sim.faults = (call) => {
      if (call.command === 'ListAccessKeys' && ++listings >= 3)
        throw new SimulatedServiceError('AccessDenied', 'not authorized to perform: iam:ListAccessKeys');
    };
    const finding = keyFinding('ci-legacy');

    // Act
    await runToEnd(cloud, customActionEvent([finding]));

    // Assess: the key was changed; the finding must not claim RESOLVED, and must say the change happened
    const annotation = annotationOf(cloud, finding);
    expect(annotation).toMatchObject({ outcome: 'failed', workflowStatus: 'NOTIFIED' });
    expect(annotation.note).toMatch(/Verif/);
    expect(annotation.note).toContain(`Changed: Set access key ${LEGACY_KEY} of ci-legacy to Inactive`);
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Inactive');
    expect(onlyExecution(cloud).status).toBe('FAILED');
    expect(await failedStepOf(cloud)).toBe('verify');
  });
});

describe('approval faults', () => {
  it('fails truthfully when the approval email cannot be sent (SNS Publish fails): nothing changed, nothing waits', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);
    cloud.sim.faults = (call) => {
      if (call.service === 'SNS')
        throw new SimulatedServiceError('KMSAccessDeniedException', 'SNS cannot use the topic key', { fault: 'client' });
    };
    const finding = keyFinding('orders-service');

    // Act
    const report = await runToEnd(cloud, customActionEvent([finding]), 'approve');

    // Assess
    const annotation = annotationOf(cloud, finding);
    expect(annotation).toMatchObject({ outcome: 'failed', workflowStatus: 'NOTIFIED' });
    expect(annotation.note).toMatch(/approval/i);
    expect(annotation.note).toMatch(/KMSAccessDeniedException/);
    expect(report.emails).toHaveLength(0);
    expect(cloud.stepFunctions.waitingExecutions()).toEqual([]);
    expect(onlyExecution(cloud).states).toEqual(['Assess', 'Route', 'RequestApproval', 'Annotate', 'Outcome', 'RemediationFailed']);
    expect(await failedStepOf(cloud)).toBe('requestApproval');
    expect(keyStatus(cloud, 'orders-service')).toBe('Active');
  });

  it('times out after the configured wait, and a click that arrives later decides nothing', async () => {
    // Prepare
    cloud = await startCloud(demoAccount, oneSecondApproval());
    const finding = keyFinding('orders-service');

    // Act
    await runToEnd(cloud, customActionEvent([finding]), 'none');
    const link = approvalLinkIn(cloud.sim.published[0]);
    if (!link) throw new Error('no approval link was emailed');
    const lateClick = await answerApproval(link, 'approve', 'bo', 'sorry, was on leave');

    // Assess
    const annotation = annotationOf(cloud, finding);
    expect(annotation).toMatchObject({ outcome: 'timed-out', workflowStatus: 'NOTIFIED' });
    expect(annotation.note).toMatch(/no approval decision within/);
    expect(lateClick).toBe(410);
    expect(await failedStepOf(cloud)).toBe('requestApproval');
    expect(callsOf(cloud, 'SendTaskSuccess')).toHaveLength(0);
    expect(keyStatus(cloud, 'orders-service')).toBe('Active');
  });
});

describe('annotation faults', () => {
  it('retries a throttled BatchUpdateFindings until it gets through, then the finding tells the story', async () => {
    // Prepare: 4 failures outlast the SDK's 3 attempts once; the definition's Retry on ThrottledError does the rest
    cloud = await startCloud(demoAccount);
    failFirst(cloud, 'BatchUpdateFindings', 4, throttling);
    const finding = keyFinding('ci-legacy');

    // Act
    await runToEnd(cloud, customActionEvent([finding]));

    // Assess
    expect(annotationOf(cloud, finding)).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(callsOf(cloud, 'BatchUpdateFindings')).toHaveLength(5);
    expect(onlyExecution(cloud).status).toBe('SUCCEEDED');
  });

  it('fails the execution with AnnotationFailed when Security Hub never accepts the note (the alarm is the report)', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);
    failFirst(cloud, 'BatchUpdateFindings', Number.POSITIVE_INFINITY, throttling);
    const finding = keyFinding('ci-legacy');

    // Act
    await runToEnd(cloud, customActionEvent([finding]));

    // Assess: the key was fixed, the finding could not be told, the execution says why
    const execution = onlyExecution(cloud);
    expect(execution).toMatchObject({ status: 'FAILED', error: { Error: 'AnnotationFailed' } });
    expect(execution.states.slice(-2)).toEqual(['Annotate', 'AnnotationFailed']);
    expect(annotationOf(cloud, finding).outcome).toBeUndefined();
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Inactive');
    expect(callsOf(cloud, 'BatchUpdateFindings')).toHaveLength(throttledAttempts('Annotate'));
  });
});

describe('Lambda-level failures (what the definition retries: Lambda service errors and ThrottledError only)', () => {
  it('retries a Lambda service error in Assess and resolves', async () => {
    // Prepare: the first Assess invocation fails as the Lambda service would (Lambda.ServiceException)
    cloud = await startCloud(demoAccount);
    let failed = false;
    cloud.sim.faults = (call) => {
      if (call.command === 'ListUserTags' && !failed) {
        failed = true;
        throw Object.assign(new Error('Lambda encountered an internal error'), { name: 'Lambda.ServiceException' });
      }
    };
    const finding = keyFinding('ci-legacy');

    // Act
    await runToEnd(cloud, customActionEvent([finding]));

    // Assess
    expect(annotationOf(cloud, finding)).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(onlyExecution(cloud).states).toEqual(['Assess', 'Route', 'Remediate', 'Verify', 'Annotate', 'Outcome', 'Done']);
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Inactive');
  });

  it('does not retry a generic Error thrown by a handler: caught, annotated failed with the error, nothing changed', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);
    let assessReads = 0;
    cloud.sim.faults = (call) => {
      if (call.command === 'GetAccessKeyLastUsed') {
        assessReads += 1;
        throw new Error('Cannot read properties of undefined (reading "AccessKeyLastUsed")');
      }
    };
    const finding = keyFinding('ci-legacy');

    // Act
    await runToEnd(cloud, customActionEvent([finding]));

    // Assess
    const annotation = annotationOf(cloud, finding);
    expect(annotation).toMatchObject({ outcome: 'failed', workflowStatus: 'NOTIFIED' });
    expect(annotation.note).toMatch(/Assess/i);
    expect(annotation.note).toMatch(/Cannot read properties of undefined/);
    expect(assessReads).toBe(1);
    expect(onlyExecution(cloud).states).toEqual(['Assess', 'Annotate', 'Outcome', 'RemediationFailed']);
    expect(await failedStepOf(cloud)).toBe('assess');
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Active');
  });

  it('treats a Lambda timeout (Sandbox.Timedout) as a failure, not a retry, and says so', async () => {
    // Prepare: Remediate's function runs out of time
    cloud = await startCloud(demoAccount);
    cloud.sim.faults = (call) => {
      if (call.command === 'UpdateAccessKey')
        throw Object.assign(new Error('Task timed out after 120.00 seconds'), { name: 'Sandbox.Timedout' });
    };
    const finding = keyFinding('ci-legacy');

    // Act
    await runToEnd(cloud, customActionEvent([finding]));

    // Assess
    const annotation = annotationOf(cloud, finding);
    expect(annotation).toMatchObject({ outcome: 'failed', workflowStatus: 'NOTIFIED' });
    expect(annotation.note).toMatch(/timed out/i);
    expect(callsOf(cloud, 'UpdateAccessKey')).toHaveLength(1);
    expect(onlyExecution(cloud).status).toBe('FAILED');
  });
});

describe('duplicates and contention', () => {
  it('starts one execution when the analyst double-clicks and SQS redelivers while the run is in flight', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);
    const finding = keyFinding('ci-legacy');
    const event = customActionEvent([finding]);
    cloud.sim.importFinding(finding);

    // Act: three deliveries at once (two clicks, one redelivery)
    const responses = await Promise.all([cloud.deliver(event), cloud.deliver(event), cloud.deliver(event)]);
    await cloud.settle();

    // Assess
    expect(responses.map((r) => r?.batchItemFailures ?? [])).toEqual([[], [], []]);
    expect(cloud.stepFunctions.executions.size).toBe(1);
    expect(callsOf(cloud, 'UpdateAccessKey')).toHaveLength(1);
    expect(annotationOf(cloud, finding)).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expectEveryFindingFinal(cloud, [finding]);
  });

  it('runs one of two findings on the same resource and tells the other one why it waited', async () => {
    // Prepare: IAM.3 and IAM.8 name the same user
    cloud = await startCloud(demoAccount);
    const rotation = keyFinding('ci-legacy', 'IAM.3');
    const unused = keyFinding('ci-legacy', 'IAM.8');

    // Act
    await runToEnd(cloud, customActionEvent([rotation, unused]));

    // Assess
    const outcomes = [annotationOf(cloud, rotation), annotationOf(cloud, unused)];
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['resolved', 'skipped']);
    const skipped = outcomes.find((o) => o.outcome === 'skipped');
    expect(skipped?.note).toMatch(/another hubfix run .* is changing .*ci-legacy right now\. Nothing was changed/);
    expect(cloud.stepFunctions.executions.size).toBe(1);
    expect(callsOf(cloud, 'UpdateAccessKey')).toHaveLength(1);
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Inactive');
  });

  it('recovers when intake dies half-way through an event: the redelivered message starts only what was missing', async () => {
    // Prepare: StartExecution of the second finding fails once (intake "crashes" after the first started)
    cloud = await startCloud(withSecondIdleKey());
    let starts = 0;
    cloud.sim.faults = (call) => {
      if (call.command === 'StartExecution' && ++starts === 2)
        throw new SimulatedServiceError('ServiceUnavailable', 'Service unavailable', { fault: 'server' });
    };
    const first = keyFinding('ci-legacy');
    const second = keyFinding('ci-old');
    const event = customActionEvent([first, second]);
    cloud.sim.importFinding(first);
    cloud.sim.importFinding(second);

    // Act: SQS redelivers the message the batch response reported as failed
    const firstDelivery = await cloud.deliver(event);
    const secondDelivery = (firstDelivery?.batchItemFailures ?? []).length > 0 ? await cloud.deliver(event) : undefined;
    await cloud.settle();

    // Assess
    expect(firstDelivery?.batchItemFailures).toHaveLength(1);
    expect(secondDelivery?.batchItemFailures ?? []).toEqual([]);
    expect(cloud.stepFunctions.executions.size).toBe(2);
    expect(callsOf(cloud, 'UpdateAccessKey')).toHaveLength(2);
    expectEveryFindingFinal(cloud, [first, second]);
    expect(annotationOf(cloud, first)).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(annotationOf(cloud, second)).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Inactive');
    expect(keyStatus(cloud, 'ci-old')).toBe('Inactive');
  });
});
