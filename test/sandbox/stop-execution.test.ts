import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { runEvent } from '../../sandbox/session';
import { asffFinding, customActionEvent, HOME_ACCOUNT, keyStatus, startCloud } from '../support/workflow';

/**
 * StopExecution of a run waiting for an approval ends it ABORTED with nothing changed, and leaves no timer behind: the
 * state machine's 8-day TimeoutSeconds timer of a stopped run once kept jest from exiting, and CI ran out of time.
 */

jest.setTimeout(60_000);

const demoAccount = JSON.parse(readFileSync(join(__dirname, '../../sandbox/fixtures/demo-account.json'), 'utf8')) as Record<
  string,
  unknown
>;
const finding = asffFinding({
  controlId: 'IAM.3',
  resourceType: 'AwsIamUser',
  resourceId: `arn:aws:iam::${HOME_ACCOUNT}:user/orders-service`,
});
const HOUR_MS = 3_600_000;

describe('StopExecution in the local cloud', () => {
  afterEach(() => jest.restoreAllMocks());

  it('aborts a waiting run, changes nothing, and leaves no timer running', async () => {
    // Prepare: watch the timers set for an hour or more (the approval wait's timeout) and which of them are cleared
    const long = new Set<unknown>();
    const cleared = new Set<unknown>();
    const realSetTimeout = global.setTimeout;
    jest.spyOn(global, 'setTimeout').mockImplementation(((handler: () => void, ms?: number) => {
      const id = realSetTimeout(handler, ms);
      if ((ms ?? 0) >= HOUR_MS) long.add(id);
      return id;
    }) as typeof setTimeout);
    const realClearTimeout = global.clearTimeout;
    jest.spyOn(global, 'clearTimeout').mockImplementation((id) => {
      cleared.add(id);
      realClearTimeout(id);
    });
    const cloud = await startCloud(demoAccount);
    const run = runEvent(cloud, customActionEvent([finding]), () => 'wait');
    let executionArn: string | undefined;
    try {
      // Waiting: RequestApproval has sent its email and returned.
      for (let i = 0; i < 500 && !(executionArn && cloud.sim.published.length > 0); i++) {
        [executionArn] = cloud.stepFunctions.waitingExecutions();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await new Promise((resolve) => setTimeout(resolve, 100));

      // Act
      await cloud.runtime.clients.home(SFNClient).send(new StopExecutionCommand({ executionArn }));
      await cloud.settle();
      await run.catch(() => undefined);
    } finally {
      await cloud.stop();
    }
    // The aborted run's Task state settles a few ticks after the stop.
    for (let i = 0; i < 100 && [...long].some((id) => !cleared.has(id)); i++) await new Promise((resolve) => realSetTimeout(resolve, 20));

    // Assess
    expect(cloud.stepFunctions.executions.get(executionArn ?? '')?.status).toBe('ABORTED');
    expect(cloud.stepFunctions.waitingExecutions()).toEqual([]);
    expect(keyStatus(cloud, 'orders-service')).toBe('Active');
    expect(long.size).toBeGreaterThan(0);
    expect([...long].filter((id) => !cleared.has(id))).toEqual([]);
  });
});
