import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import type { HubfixStack } from '../../infra/hubfix-stack';
import { actionsOf, allStatements, logicalId, roleStatements, synthHubfix } from './synth';

let stack: HubfixStack;
let template: Template;
let cleanup: () => void;

beforeAll(() => {
  ({ stack, template, cleanup } = synthHubfix());
});
afterAll(() => cleanup());

const auditTableId = () => logicalId(stack.auditTable);
const refersToAuditTable = (resource: unknown): boolean => JSON.stringify(resource ?? null).includes(`"${auditTableId()}"`);

describe('the audit table', () => {
  it('keeps records for good: point-in-time recovery, deletion protection, no TTL, retained with the stack', () => {
    // Prepare
    const table = template.findResources('AWS::DynamoDB::Table')[auditTableId()];

    // Assess
    expect(table.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'executionId', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      SSESpecification: { SSEEnabled: true },
    });
    expect(table.Properties.TimeToLiveSpecification).toBeUndefined();
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
  });

  it('indexes records by time (a constant partition and annotatedAt) and by finding (the run history)', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'executionId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byAnnotatedAt',
          KeySchema: [
            { AttributeName: 'auditPartition', KeyType: 'HASH' },
            { AttributeName: 'annotatedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: 'byFinding',
          KeySchema: [
            { AttributeName: 'findingKey', KeyType: 'HASH' },
            { AttributeName: 'annotatedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
  });

  it(
    'lets Annotate (and the control-hygiene record step) only put records, intake and Assess only query the run history, and no ' +
      'principal update or delete them',
    () => {
      // Prepare
      const annotateRole = logicalId(stack.functions.annotate.role as unknown as IConstruct);
      const onAuditTable = (statements: ReturnType<typeof allStatements>) => statements.filter((s) => refersToAuditTable(s.Resource));

      // Assess
      expect(onAuditTable(roleStatements(template, annotateRole)).flatMap(actionsOf)).toEqual(['dynamodb:PutItem']);
      const everyAction = onAuditTable(allStatements(template)).flatMap(actionsOf);
      expect(new Set(everyAction)).toEqual(new Set(['dynamodb:PutItem', 'dynamodb:Query']));
      const queries = onAuditTable(allStatements(template)).filter((s) => actionsOf(s).includes('dynamodb:Query'));
      for (const query of queries) expect(JSON.stringify(query.Resource)).toContain('/index/byFinding');
      const hygieneRecorder = logicalId(stack.controlHygiene.functions.recordChanges.role as unknown as IConstruct);
      expect(onAuditTable(roleStatements(template, hygieneRecorder)).flatMap(actionsOf)).toEqual(['dynamodb:PutItem']);
    },
  );

  it('tells Annotate the table name', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('audit record'),
      Environment: { Variables: Match.objectLike({ AUDIT_TABLE_NAME: { Ref: auditTableId() } }) },
    });
  });
});

describe('the operations dashboard', () => {
  const body = () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    return JSON.stringify(dashboards[0].Properties.DashboardBody);
  };

  it('shows hubfix’s remediation metrics: runs by control and outcome, MTTR, approval wait, automatic versus approved', () => {
    // Act
    const text = body();

    // Assess
    for (const metric of ['TimeToRemediateSeconds', 'ApprovalWaitSeconds', 'Automatic', 'Approved', 'Remediations']) {
      expect(text).toContain(`\\"hubfix\\",\\"${metric}\\",\\"service\\",\\"hubfix\\"`);
    }
    expect(text).toContain(
      `SEARCH('{hubfix,ControlId,Outcome,service} MetricName=\\\\\\"Remediations\\\\\\" Outcome=\\\\\\"resolved\\\\\\"'`,
    );
  });

  it('shows the state machine’s succeeded and failed executions and the intake DLQ depth', () => {
    // Act
    const text = body();

    // Assess
    expect(text).toContain('\\"AWS/States\\",\\"ExecutionsSucceeded\\",\\"StateMachineArn\\"');
    expect(text).toContain('\\"AWS/States\\",\\"ExecutionsFailed\\",\\"StateMachineArn\\"');
    expect(text).toContain('\\"AWS/SQS\\",\\"ApproximateNumberOfMessagesVisible\\",\\"QueueName\\"');
    expect(text).toMatch(/IntakeDlq[0-9A-F]{8}/);
  });
});

describe('the operations alarms', () => {
  it('alarms the ops topic when more than a quarter of an hour’s executions (at least four) fail', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: logicalId(stack.opsTopic) }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 25,
      // arrayWith keeps order: the expression, then its metrics s and f
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: Match.stringLikeRegexp('>= 4, 100 \\* FILL\\(f, 0\\)'), ReturnData: true }),
        Match.objectLike({
          Id: 's',
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsSucceeded' }), Period: 3600 }),
        }),
        Match.objectLike({
          Id: 'f',
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsFailed' }), Period: 3600 }),
        }),
      ]),
    });
  });

  it('alarms the ops topic when the day’s p90 time to a verified fix exceeds 12 hours', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: logicalId(stack.opsTopic) }],
      Threshold: 12 * 3600,
      Metrics: [
        Match.objectLike({
          MetricStat: {
            Metric: { Namespace: 'hubfix', MetricName: 'TimeToRemediateSeconds', Dimensions: [{ Name: 'service', Value: 'hubfix' }] },
            Period: 86400,
            Stat: 'p90',
          },
        }),
      ],
    });
  });
});
