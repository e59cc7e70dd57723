import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack, type CfnResource } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../functions/platform/config';
import { SETTINGS_ENV } from '../../functions/platform/runtime';
import { CUSTOM_ACTIONS, DEFINITION_FUNCTIONS, type FunctionRole, type HubfixStack } from '../../infra/hubfix-stack';
import { actionsOf, allStatements, logicalId, roleStatements, synthHubfix, TEST_CONFIG } from './synth';

let stack: HubfixStack;
let template: Template;
let cleanup: () => void;

beforeAll(() => {
  // Template.fromStack synthesizes the app, cdk-nag packs included: an unacknowledged finding throws here.
  ({ stack, template, cleanup } = synthHubfix());
});
afterAll(() => cleanup());

const fnId = (role: FunctionRole): string => logicalId(stack.functions[role]);
const roleId = (role: FunctionRole): string => logicalId(stack.functions[role].role!);
const getAttArn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

const functionProps = (role: FunctionRole) =>
  template.findResources('AWS::Lambda::Function')[fnId(role)].Properties as {
    Timeout: number;
    Environment: { Variables: Record<string, unknown> };
  };

describe('Security Hub custom actions to the intake queue', () => {
  it('creates the "Remediate", "Plan only" and "Undo fix" custom actions with names under 20 characters', () => {
    // Assess
    template.hasResourceProperties('AWS::SecurityHub::ActionTarget', { Id: 'HubfixRemediate', Name: 'Remediate' });
    template.hasResourceProperties('AWS::SecurityHub::ActionTarget', { Id: 'HubfixPlan', Name: 'Plan only' });
    template.hasResourceProperties('AWS::SecurityHub::ActionTarget', { Id: 'HubfixUndo', Name: 'Undo fix' });
    const targets = Object.values(template.findResources('AWS::SecurityHub::ActionTarget'));
    expect(targets).toHaveLength(3);
    for (const target of targets) {
      expect(target.Properties.Name.length).toBeLessThan(20);
      expect(target.Properties.Description.length).toBeLessThanOrEqual(600);
      expect(target.Properties.Id).toMatch(/^[A-Za-z0-9]{1,20}$/);
    }
  });

  it('routes each custom action to the intake queue, with the intake DLQ for undeliverable events', () => {
    // Prepare
    const actionIds = Object.entries(template.findResources('AWS::SecurityHub::ActionTarget')).map(([id]) => id);
    const queueArn = getAttArn(logicalId(stack.intakeQueue));

    // Assess
    for (const actionId of actionIds) {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.securityhub'],
          'detail-type': ['Security Hub Findings - Custom Action'],
          resources: [{ 'Fn::GetAtt': [actionId, 'ActionTargetArn'] }],
        },
        Targets: [Match.objectLike({ Arn: queueArn, DeadLetterConfig: { Arn: Match.anyValue() } })],
      });
    }
    const customActionRules = template.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: { 'detail-type': ['Security Hub Findings - Custom Action'] } },
    });
    expect(Object.keys(customActionRules)).toHaveLength(Object.keys(CUSTOM_ACTIONS).length);
  });

  it('gives the intake queue a DLQ after 3 receives and a visibility timeout of at least 6 × the intake timeout', () => {
    // Prepare
    const queue = template.findResources('AWS::SQS::Queue')[logicalId(stack.intakeQueue)].Properties;

    // Assess
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] }, maxReceiveCount: 3 });
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * functionProps('intake').Timeout);
  });

  it('encrypts every queue and denies non-TLS access to it', () => {
    for (const [id, queue] of Object.entries(template.findResources('AWS::SQS::Queue'))) {
      expect(queue.Properties.SqsManagedSseEnabled ?? queue.Properties.KmsMasterKeyId).toBeTruthy();
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
  });

  it('feeds intake in batches of 10 and reports partial batch failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId('intake') },
      EventSourceArn: getAttArn(logicalId(stack.intakeQueue)),
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});

describe('approvals', () => {
  it('encrypts the approval topic with a rotating customer-managed key', () => {
    // Prepare
    const keyIds = Object.keys(template.findResources('AWS::KMS::Key', { Properties: { EnableKeyRotation: true } }));

    // Assess
    expect(keyIds).toHaveLength(1);
    template.hasResourceProperties('AWS::SNS::Topic', { DisplayName: 'hubfix approvals', KmsMasterKeyId: getAttArn(keyIds[0]) });
  });

  it('subscribes every configured approver email, and no other address', () => {
    // Prepare
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription'));

    // Assess
    expect(subscriptions.map((s) => s.Properties.Endpoint).sort()).toEqual([...TEST_CONFIG.approvers.emails].sort());
    for (const subscription of subscriptions) {
      expect(subscription.Properties).toMatchObject({ Protocol: 'email', TopicArn: { Ref: logicalId(stack.approvalTopic) } });
      expect(subscription.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: expect.anything() });
    }
  });

  it('keeps approvals in an on-demand table keyed by approvalId, with TTL and point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'approvalId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'approvalId', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('generates a 64-character link-signing key without punctuation', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
    });
  });

  it('serves GET and POST /approvals/{approvalId} from the approval API function, with stage throttling and access logs', () => {
    // Assess
    for (const method of ['GET', 'POST']) {
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: method,
        AuthorizationType: 'NONE',
        RequestParameters: { 'method.request.path.approvalId': true },
        Integration: Match.objectLike({ Type: 'AWS_PROXY' }),
      });
    }
    // GET and POST /approvals/{approvalId}, GET /approvals/{approvalId}/sign-in, GET /auth/callback
    template.resourceCountIs('AWS::ApiGateway::Method', 4);
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{approvalId}' });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      MethodSettings: [Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 })],
    });
  });

  it('keeps the link signature (query string) out of traces and access logs: no X-Ray on the stage, only named safe fields', () => {
    // Prepare
    const [stage] = Object.values(template.findResources('AWS::ApiGateway::Stage'));

    // Act
    const format = JSON.parse(stage.Properties.AccessLogSetting.Format as string) as Record<string, string>;

    // Assess
    expect(stage.Properties.TracingEnabled).not.toBe(true);
    expect(format).toEqual({
      requestId: '$context.requestId',
      extendedRequestId: '$context.extendedRequestId',
      ip: '$context.identity.sourceIp',
      requestTime: '$context.requestTime',
      httpMethod: '$context.httpMethod',
      resourcePath: '$context.resourcePath',
      status: '$context.status',
      protocol: '$context.protocol',
      responseLength: '$context.responseLength',
      responseLatency: '$context.responseLatency',
      wafStatus: '$context.waf.status',
    });
  });

  it('puts a per-source-IP WAF rate-based rule (limit from the configuration) in front of the stage', () => {
    // Prepare
    const webAclId = stack.getLogicalId(stack.approvalApiWebAcl!);
    const stageId = logicalId(stack.approvalApi.deploymentStage);

    // Assess
    template.resourceCountIs('AWS::WAFv2::WebACL', 1);
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      VisibilityConfig: Match.objectLike({ SampledRequestsEnabled: false }),
      Rules: [
        Match.objectLike({
          Action: { Block: {} },
          Statement: {
            RateBasedStatement: { AggregateKeyType: 'IP', Limit: TEST_CONFIG.approvalApi.rateLimitPer5Minutes, EvaluationWindowSec: 300 },
          },
          VisibilityConfig: Match.objectLike({ SampledRequestsEnabled: false }),
        }),
      ],
    });
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: getAttArn(webAclId),
      ResourceArn: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':apigateway:',
            { Ref: 'AWS::Region' },
            '::/restapis/',
            { Ref: logicalId(stack.approvalApi) },
            '/stages/',
            { Ref: stageId },
          ],
        ],
      },
    });
  });

  it('follows the configuration: another rate limit, or no web ACL at all when approvalApi.waf is false', () => {
    // Prepare
    const limited = synthHubfix(parseConfig({ ...TEST_CONFIG, approvalApi: { rateLimitPer5Minutes: 300 } }));
    const off = synthHubfix(parseConfig({ ...TEST_CONFIG, approvalApi: { waf: false } }));

    try {
      // Assess
      limited.template.hasResourceProperties('AWS::WAFv2::WebACL', {
        Rules: [Match.objectLike({ Statement: { RateBasedStatement: Match.objectLike({ Limit: 300 }) } })],
      });
      off.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
      off.template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
    } finally {
      limited.cleanup();
      off.cleanup();
    }
  });
});

describe('the workflow', () => {
  it('is a STANDARD state machine with tracing and ALL-level logging without execution data (task tokens)', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false, Destinations: [Match.anyValue()] },
    });
  });

  it('substitutes the version of each of the five task functions published with this deployment into the definition', () => {
    // Prepare
    // The version's logical id carries a hash CDK overrides it with: resolve it, do not recompute it.
    const versionId = (role: FunctionRole): string =>
      Stack.of(stack).resolve((stack.functions[role].currentVersion.node.defaultChild as CfnResource).logicalId) as string;
    const expected = Object.fromEntries(
      Object.entries(DEFINITION_FUNCTIONS).map(([placeholder, role]) => [placeholder, { Ref: versionId(role) }]),
    );

    // Assess
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { DefinitionSubstitutions: expected });
    for (const role of Object.values(DEFINITION_FUNCTIONS)) {
      template.hasResource('AWS::Lambda::Version', { Properties: { FunctionName: { Ref: fnId(role) } }, DeletionPolicy: 'Retain' });
    }
  });

  it(
    'lets the state machine invoke every version of exactly the five task functions (and, for runs started before versions, the ' +
      'functions)',
    () => {
      // Prepare
      const smRoleId = logicalId(stack.stateMachine.role);
      const invokes = roleStatements(template, smRoleId).filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
      const roles = Object.values(DEFINITION_FUNCTIONS);

      // Assess
      expect(invokes).toHaveLength(1);
      const everyVersion = roles.map((role) => ({ 'Fn::Join': ['', [getAttArn(fnId(role)), ':*']] }));
      expect(invokes[0].Resource).toEqual(expect.arrayContaining([...everyVersion, ...roles.map((role) => getAttArn(fnId(role)))]));
      expect(invokes[0].Resource).toHaveLength(2 * roles.length);
    },
  );

  it('alarms the ops topic on failed, timed-out and aborted executions', () => {
    // Prepare
    type MetricQuery = { MetricStat?: { Metric: { MetricName: string } } };
    const metricNames = (alarm: { [key: string]: { Metrics?: MetricQuery[] } }) =>
      (alarm.Properties.Metrics ?? []).flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : []));
    // The dashboard's failure-rate alarm reads ExecutionsFailed too; this one is the any-unsuccessful-run alarm.
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((alarm) =>
      metricNames(alarm).includes('ExecutionsAborted'),
    );

    // Assess
    expect(alarms).toHaveLength(1);
    expect(metricNames(alarms[0]).sort()).toEqual(['ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsTimedOut']);
    expect(alarms[0].Properties.AlarmActions).toEqual([{ Ref: logicalId(stack.opsTopic) }]);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: logicalId(stack.opsTopic) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' }),
        ]),
      },
    });
  });
});

describe('least privilege', () => {
  const TELEMETRY = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'logs:CreateLogStream', 'logs:PutLogEvents']);

  it('answers waiting tasks only for hubfix’s own state machines (remediation and control hygiene)', () => {
    // Prepare
    const taskResponses = allStatements(template).filter((s) => actionsOf(s).some((a) => a.startsWith('states:SendTask')));
    const machines = [{ Ref: logicalId(stack.stateMachine) }, { Ref: logicalId(stack.controlHygiene.stateMachine) }];

    // Assess
    expect(taskResponses.length).toBeGreaterThan(0);
    for (const statement of taskResponses) {
      for (const resource of [statement.Resource].flat()) expect(machines).toContainEqual(resource);
    }
    expect(roleStatements(template, roleId('approvalApi')).flatMap(actionsOf)).toEqual(
      expect.arrayContaining(['states:SendTaskSuccess', 'states:SendTaskFailure']),
    );
  });

  it('grants no service-wide wildcard on Step Functions, SNS, Lambda or IAM', () => {
    const allowed = allStatements(template)
      .filter((s) => s.Effect === 'Allow')
      .flatMap(actionsOf);
    expect(allowed.filter((a) => /^(states|sns|lambda|iam):\*$/.test(a) || a === '*')).toEqual([]);
  });

  it(
    'gives assess and verify one inspect role whose every action on resources is a read, and no sts:AssumeRole in a single-account ' +
      'configuration',
    () => {
      // Prepare: hubfix's own tables apart (the run history it queries, the blast-limit counters it counts in)
      const inspect = roleId('assess');
      const statements = roleStatements(template, inspect);
      const ownTables = [
        getAttArn(logicalId(stack.lockTable)),
        { 'Fn::Join': ['', [getAttArn(logicalId(stack.auditTable)), '/index/byFinding']] },
      ];
      const onOwnTables = statements.filter((s) => ownTables.some((table) => JSON.stringify(s.Resource) === JSON.stringify(table)));
      const actions = statements
        .filter((s) => !onOwnTables.includes(s))
        .flatMap(actionsOf)
        .filter((a) => !TELEMETRY.has(a));

      // Assess
      expect(roleId('verify')).toBe(inspect);
      expect(actions).toEqual(expect.arrayContaining(['iam:ListAccessKeys', 'iam:GetAccessKeyLastUsed', 'cloudtrail:LookupEvents']));
      expect(actions).not.toContain('sts:AssumeRole');
      for (const action of actions)
        expect(action).toMatch(/^([a-z0-9-]+:(Get|List|Lookup|Describe|BatchGet)[A-Za-z]*|iam:GenerateServiceLastAccessedDetails)$/);
      expect(onOwnTables.flatMap(actionsOf).sort()).toEqual(['dynamodb:Query', 'dynamodb:UpdateItem']);
    },
  );

  it('gives remediate its own role with iam:UpdateAccessKey', () => {
    expect(roleId('remediate')).not.toBe(roleId('assess'));
    expect(roleStatements(template, roleId('remediate')).flatMap(actionsOf)).toContain('iam:UpdateAccessKey');
  });

  it('lets only intake start executions, on this state machine', () => {
    // Prepare
    const starters = Object.entries(stack.functions).filter(([role]) =>
      roleStatements(template, roleId(role as FunctionRole)).some((s) => actionsOf(s).includes('states:StartExecution')),
    );

    // Assess
    expect(starters.map(([role]) => role)).toEqual(['intake']);
    expect(roleStatements(template, roleId('intake')).find((s) => actionsOf(s).includes('states:StartExecution'))?.Resource).toEqual({
      Ref: logicalId(stack.stateMachine),
    });
  });

  it('scopes the approval functions to the table, topic and secret', () => {
    // Prepare
    const request = roleStatements(template, roleId('requestApproval'));
    const api = roleStatements(template, roleId('approvalApi'));
    const resourceOf = (statements: typeof request, action: string) => statements.find((s) => actionsOf(s).includes(action))?.Resource;

    // Assess
    expect(resourceOf(request, 'dynamodb:PutItem')).toEqual(getAttArn(logicalId(stack.approvalTable)));
    expect(resourceOf(request, 'sns:Publish')).toEqual({ Ref: logicalId(stack.approvalTopic) });
    expect(resourceOf(request, 'secretsmanager:GetSecretValue')).toEqual({ Ref: logicalId(stack.linkSecret) });
    expect(resourceOf(api, 'dynamodb:UpdateItem')).toEqual(getAttArn(logicalId(stack.approvalTable)));
    expect(resourceOf(api, 'secretsmanager:GetSecretValue')).toEqual({ Ref: logicalId(stack.linkSecret) });
    expect(api.flatMap(actionsOf)).not.toContain('dynamodb:PutItem');
  });

  it('gives each function only the settings it reads', () => {
    // Prepare
    const settingsOf = (role: FunctionRole) =>
      Object.keys(functionProps(role).Environment.Variables)
        .filter((name) => Object.values(SETTINGS_ENV).includes(name))
        .sort();

    // Assess
    expect(settingsOf('intake')).toEqual([SETTINGS_ENV.lockTableName, SETTINGS_ENV.auditTableName, SETTINGS_ENV.stateMachineArn].sort());
    expect(settingsOf('requestApproval')).toEqual(
      [SETTINGS_ENV.approvalTableName, SETTINGS_ENV.approvalTopicArn, SETTINGS_ENV.linkSecretId, SETTINGS_ENV.approvalBaseUrl].sort(),
    );
    expect(settingsOf('approvalApi')).toEqual(
      [
        SETTINGS_ENV.approvalTableName,
        SETTINGS_ENV.linkSecretId,
        SETTINGS_ENV.approvalBaseUrl,
        SETTINGS_ENV.authIssuer,
        SETTINGS_ENV.authClientId,
        SETTINGS_ENV.authClientSecretId,
      ].sort(),
    );
    expect(settingsOf('annotate')).toEqual([SETTINGS_ENV.lockTableName, SETTINGS_ENV.auditTableName].sort());
    expect(settingsOf('assess')).toEqual([SETTINGS_ENV.lockTableName, SETTINGS_ENV.auditTableName].sort());
    for (const role of ['remediate', 'verify'] as const) expect(settingsOf(role)).toEqual([]);
  });
});

describe('function defaults', () => {
  it('runs every function on Node.js 22, ARM64, with X-Ray, its own log group and the configuration minus approver emails', () => {
    for (const role of Object.keys(stack.functions) as FunctionRole[]) {
      // Prepare
      const props = template.findResources('AWS::Lambda::Function')[fnId(role)].Properties;
      const config = JSON.parse(props.Environment.Variables.HUBFIX_CONFIG as string);

      // Assess
      expect(props).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
      });
      expect(props.Environment.Variables).toMatchObject({ POWERTOOLS_SERVICE_NAME: 'hubfix', NODE_OPTIONS: '--enable-source-maps' });
      expect(config.approval).toEqual(TEST_CONFIG.approval);
      expect(JSON.stringify(config)).not.toContain('@example.com');
    }
  });

  it('keeps every log group for a limited time', () => {
    for (const logGroup of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect(logGroup.Properties.RetentionInDays).toBeGreaterThan(0);
    }
  });
});

describe('the outputs the operator CLI reads', () => {
  it('exports every stack output a cli/ command reads through outputOf, the lock table for hubfix remediate among them', () => {
    // Prepare: each `outputOf(deployment, 'Key')` in the operator commands
    const cliDir = path.join(__dirname, '../../cli');
    const read = new Set(
      fs
        .readdirSync(cliDir)
        .filter((file) => file.endsWith('.ts'))
        .flatMap((file) => [...fs.readFileSync(path.join(cliDir, file), 'utf8').matchAll(/outputOf\(\w+, '(\w+)'\)/g)].map((m) => m[1])),
    );

    // Act
    const outputs = Object.keys(template.toJSON().Outputs ?? {});

    // Assess
    expect(read).toContain('LockTableName');
    expect([...read].filter((key) => !outputs.includes(key))).toEqual([]);
    template.hasOutput('LockTableName', { Value: { Ref: logicalId(stack.lockTable) } });
  });
});
