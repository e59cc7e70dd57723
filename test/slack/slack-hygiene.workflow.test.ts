import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { getApproval } from '../../functions/approval/approval-store';
import { selectedChanges } from '../../functions/hygiene/audit';
import type { HygieneBatchInput } from '../../functions/hygiene/types';
import { parseFixture } from '../../sandbox/fixture';
import { auditSandbox, organizationTargets } from '../../sandbox/hygiene-session';
import type { LocalCloud } from '../../sandbox/local-cloud';
import type { LocalExecution } from '../../sandbox/local-step-functions';
import { startCloud } from '../support/workflow';
import { blocksText, buttonValue, DANA, hasButtons, MALLORY, slackConfig, slackUsers, waitFor } from './support';

/**
 * A control-hygiene batch asks for its one approval in Slack too, under the same policy: the synthesized hygiene state
 * machine waits in RequestBatchApproval, which posts the batch's message; a signed click decides it, or the message is
 * closed when the run ends undecided, through the same closer the stack's rule invokes for both state machines.
 */

jest.setTimeout(90_000);

const FIXTURE = parseFixture(JSON.parse(readFileSync(join(__dirname, '../../sandbox/fixtures/organization-controls.json'), 'utf8')));

let cloud: LocalCloud | undefined;

afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
});

/** The audit's selected disables as one batch, started on the hygiene state machine; returns once its Slack message is posted. */
const startBatch = async (): Promise<{ c: LocalCloud; execution: LocalExecution; batch: HygieneBatchInput }> => {
  const c = await startCloud(FIXTURE, slackConfig(), { slackUsers });
  cloud = c;
  const audit = await auditSandbox(c, organizationTargets(FIXTURE), FIXTURE.homeRegion);
  const batch: HygieneBatchInput = { mode: 'disable', requestedBy: 'slack hygiene test', changes: selectedChanges(audit) };
  const execution = c.controlHygiene().start('hygiene-slack', batch);
  await waitFor('the batch message in Slack', () => c.slack!.messages[0]);
  const approvalId = buttonValue(c.slack!.messages[0]);
  await waitFor('the message ts kept with the approval', async () =>
    (await getApproval(c.runtime, approvalId)) && 'slackMessage' in (await getApproval(c.runtime, approvalId))! ? true : undefined,
  );
  return { c, execution, batch };
};

describe('a control-hygiene batch in Slack', () => {
  it('posts the batch with every control and its reason, refuses a non-approver, and an approver\u2019s click applies it', async () => {
    // Prepare
    const { c, execution, batch } = await startBatch();
    const slack = c.slack!;
    const posted = slack.messages[0];

    // Act: Mallory (a developer) clicks first, then Dana (an approver)
    const refused = await slack.click(c.slackInteractionsUrl, { user: MALLORY, message: posted, action: 'approve' });
    await c.slackIdle();
    const afterMallory = await getApproval(c.runtime, buttonValue(posted));
    const approved = await slack.click(c.slackInteractionsUrl, { user: DANA, message: posted, action: 'approve' });
    await c.slackIdle();
    await execution.done;
    await c.settle();

    // Assess: the message is the batch's, Mallory's click decided nothing, Dana's applied the batch and closed the buttons
    const original = posted.history[0].blocks;
    const text = blocksText(original);
    expect(text).toContain('Approval needed: a control-hygiene batch');
    expect(text).toContain(batch.changes[0].reason.slice(0, 40));
    expect(text).not.toContain('Finding:');
    expect(hasButtons(original)).toBe(true);
    expect(refused.status).toBe(200);
    expect(afterMallory).toMatchObject({ status: 'PENDING', votes: [] });
    expect(slack.ephemerals.some((e) => e.user === MALLORY)).toBe(true);
    expect(approved.status).toBe(200);
    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as { changes: { status: string }[] }).changes.length).toBe(batch.changes.length);
    const record = await getApproval(c.runtime, buttonValue(posted));
    expect(record).toMatchObject({ kind: 'control-hygiene', status: 'APPROVED' });
    expect(record?.votes).toEqual([expect.objectContaining({ subject: DANA, channel: 'slack', decision: 'approve' })]);
    const updated = slack.messages[0];
    expect(hasButtons(updated.blocks)).toBe(false);
    expect(blocksText(updated.blocks)).toContain('APPROVED');
  });

  it('closes the batch message, buttons removed, when the run is stopped before anyone decided', async () => {
    // Prepare
    const { c, execution } = await startBatch();

    // Act
    await c.runtime.clients.home(SFNClient).send(new StopExecutionCommand({ executionArn: execution.executionArn }));
    await execution.done;
    await c.settle();

    // Assess
    expect(execution.status).toBe('ABORTED');
    const message = c.slack!.messages[0];
    expect(hasButtons(message.blocks)).toBe(false);
    expect(blocksText(message.blocks)).toContain('CLOSED: the run was stopped before anyone decided; nothing was changed.');
  });
});
