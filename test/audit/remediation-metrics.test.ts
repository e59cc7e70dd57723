import { Metrics } from '@aws-lambda-powertools/metrics';
import { CreateTableCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { BatchUpdateFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createAnnotateHandler } from '../../functions/handlers/annotate';
import { auditTableDefinition, buildAuditRecord, type AuditRecord } from '../../functions/audit/audit';
import { describeOutcome } from '../../functions/workflow/outcome';
import { lockTableDefinition } from '../../functions/workflow/resource-lock';
import { publishRemediationMetrics } from '../../functions/audit/remediation-metrics';
import type { WorkflowState } from '../../functions/findings/types';
import { startDynalite, type LocalDynamo } from '../support/dynalite';
import { assessment, finding, testRuntime } from '../approval/fixtures';

interface EmfBlob {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

/** Metrics that really publish (tests run with POWERTOOLS_DEV, which turns publishing off), and the EMF lines they print. */
const capturedMetrics = () => {
  const previous = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  const metrics = new Metrics({ namespace: 'hubfix', serviceName: 'hubfix' });
  const lines: string[] = [];
  // POWERTOOLS_DEV makes Metrics print through the global console (and its singleMetric() children too).
  const spy = jest.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
  const blobs = () => lines.map((line) => JSON.parse(line) as EmfBlob);
  const restore = () => {
    spy.mockRestore();
    if (previous === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = previous;
  };
  return { metrics, blobs, restore };
};

const state = (overrides: Partial<WorkflowState> = {}): WorkflowState => ({
  finding: finding(),
  action: 'remediate',
  trigger: 'custom-action',
  receivedAt: '2025-03-01T11:58:30.000Z',
  assessment: assessment(),
  approval: { decision: 'approved', approver: 'Ana', reason: 'ok', decidedAt: '2025-03-01T12:04:00.000Z' },
  change: {
    summary: 'Deactivated',
    before: { k: 'Active' },
    after: { k: 'Inactive' },
    changedAt: '2025-03-01T12:04:05.000Z',
    reversible: true,
  },
  verification: { verified: true, observed: 'Inactive', checkedAt: '2025-03-01T12:04:30.000Z' },
  ...overrides,
});
const EXECUTION = 'arn:aws:states:us-east-1:111111111111:execution:hubfix:run-1';
const recordOf = (s: WorkflowState): AuditRecord =>
  buildAuditRecord(s, EXECUTION, describeOutcome(s, EXECUTION, 86400), new Date('2025-03-01T12:05:00.000Z'));

let capture: ReturnType<typeof capturedMetrics>;
beforeEach(() => (capture = capturedMetrics()));
afterEach(() => capture.restore());

describe('remediation metrics (EMF)', () => {
  it('counts a run by control and outcome, with only ControlId and Outcome (and service) as dimensions', () => {
    // Act
    publishRemediationMetrics(capture.metrics, recordOf(state()));

    // Assess
    const byControl = capture.blobs().find((b) => b._aws.CloudWatchMetrics[0].Dimensions[0].includes('ControlId'));
    expect(byControl?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'hubfix',
      Dimensions: [['service', 'ControlId', 'Outcome']],
      Metrics: [{ Name: 'Remediations', Unit: 'Count' }],
    });
    expect(byControl).toMatchObject({ ControlId: 'IAM.3', Outcome: 'resolved', Remediations: 1 });
  });

  it('publishes time to remediate, approval wait and the approved count service-wide for an approved fix', () => {
    // Act
    publishRemediationMetrics(capture.metrics, recordOf(state()));

    // Assess
    const serviceWide = capture.blobs().find((b) => JSON.stringify(b._aws.CloudWatchMetrics[0].Dimensions) === '[["service"]]');
    expect(serviceWide).toMatchObject({
      service: 'hubfix',
      Remediations: 1,
      TimeToRemediateSeconds: 360,
      ApprovalWaitSeconds: 300,
      Approved: 1,
    });
    expect(serviceWide).not.toHaveProperty('Automatic');
    expect(serviceWide?._aws.CloudWatchMetrics[0].Metrics).toEqual(
      expect.arrayContaining([
        { Name: 'TimeToRemediateSeconds', Unit: 'Seconds' },
        { Name: 'ApprovalWaitSeconds', Unit: 'Seconds' },
      ]),
    );
  });

  it('counts an automatic fix as Automatic, with no approval wait', () => {
    // Act
    publishRemediationMetrics(capture.metrics, recordOf(state({ assessment: assessment({ route: 'auto' }), approval: undefined })));

    // Assess
    const serviceWide = capture.blobs().find((b) => JSON.stringify(b._aws.CloudWatchMetrics[0].Dimensions) === '[["service"]]');
    expect(serviceWide).toMatchObject({ Automatic: 1, TimeToRemediateSeconds: 360 });
    expect(serviceWide).not.toHaveProperty('ApprovalWaitSeconds');
    expect(serviceWide).not.toHaveProperty('Approved');
  });

  it('neither counts a rejected run as automatic or approved nor gives it a time to remediate', () => {
    // Act
    publishRemediationMetrics(
      capture.metrics,
      recordOf(
        state({
          approval: { decision: 'rejected', approver: 'Bo', reason: 'no', decidedAt: '2025-03-01T12:00:00.000Z' },
          change: undefined,
          verification: undefined,
        }),
      ),
    );

    // Assess
    const blobs = capture.blobs();
    expect(blobs.find((b) => 'ControlId' in b)).toMatchObject({ Outcome: 'rejected' });
    const serviceWide = blobs.find((b) => !('ControlId' in b));
    expect(serviceWide).toMatchObject({ Remediations: 1, ApprovalWaitSeconds: 60 });
    for (const name of ['TimeToRemediateSeconds', 'Automatic', 'Approved']) expect(serviceWide).not.toHaveProperty(name);
  });
});

describe('the Annotate step', () => {
  let dynamo: LocalDynamo;
  const securityHub = mockClient(SecurityHubClient);

  beforeAll(async () => {
    dynamo = await startDynalite();
    await dynamo.client.send(new CreateTableCommand(auditTableDefinition('audit')));
    await dynamo.client.send(new CreateTableCommand(lockTableDefinition('locks')));
  });
  afterAll(async () => dynamo.stop());

  it('writes one audit record and counts the run once, even when Step Functions retries it', async () => {
    // Prepare
    securityHub.reset();
    securityHub.on(BatchUpdateFindingsCommand).resolves({ ProcessedFindings: [], UnprocessedFindings: [] });
    const rt = testRuntime(dynamo.client, 'approvals');
    const annotate = createAnnotateHandler(() => rt, capture.metrics);
    const input = { workflow: state(), executionId: EXECUTION };
    const context = { awsRequestId: 'req', functionName: 'hubfix-annotate' } as unknown as Context;

    // Act
    await annotate(input, context);
    await annotate(input, context);

    // Assess
    expect(securityHub).toHaveReceivedCommandTimes(BatchUpdateFindingsCommand, 2);
    const items = await dynamo.client.send(new ScanCommand({ TableName: 'audit' }));
    expect(items.Items).toHaveLength(1);
    expect(items.Items?.[0]).toMatchObject({ executionId: { S: EXECUTION }, outcome: { S: 'resolved' } });
    expect(capture.blobs().filter((b) => 'ControlId' in b)).toHaveLength(1);
  });
});
