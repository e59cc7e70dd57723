import { automaticControlIds } from '../functions/workflow/modes';
import { workflowDefinition } from './workflow-definition';
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as securityhub from 'aws-cdk-lib/aws-securityhub';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { HubfixConfig } from '../functions/platform/config';
import { AUDIT_FINDING_INDEX, AUDIT_TIME_INDEX } from '../functions/audit/audit';
import { HOME_ACCOUNT_ENV } from '../functions/platform/clients';
import { SETTINGS_ENV } from '../functions/platform/runtime';
import { HubfixDashboard } from './constructs/dashboard';
import { ControlHygiene, SecurityHubSetup } from './constructs/control-hygiene';
import { HubfixFunction } from './constructs/hubfix-function';
import { SlackChannel } from './constructs/slack-channel';
import {
  acknowledgeApprovalApi,
  acknowledgeDeadLetterQueue,
  acknowledgeFunctionRole,
  acknowledgeIntake,
  acknowledgeLinkSecret,
  acknowledgeControlGrants,
  acknowledgeTopicPublisher,
} from './nag-acknowledgements';
import { ADMINISTRATOR_ROLE_NAMES, assumeMemberRole, organizationOf } from './member-stack';
import { grantStatements, inspectGrants, remediateGrants, type GrantScope } from './permissions';
import { grantInvokeTaskVersions, pinnedTaskSubstitutions } from './pinned-tasks';

export type FunctionRole = 'intake' | 'assess' | 'requestApproval' | 'approvalApi' | 'remediate' | 'verify' | 'annotate';

/** The ASL's `${...}` placeholders and the function each one names (the sandbox binds handlers by this). */
export const DEFINITION_FUNCTIONS = {
  AssessFunctionArn: 'assess',
  RequestApprovalFunctionArn: 'requestApproval',
  RemediateFunctionArn: 'remediate',
  VerifyFunctionArn: 'verify',
  AnnotateFunctionArn: 'annotate',
} as const satisfies Record<string, FunctionRole>;

/** The Security Hub custom actions; intake tells them apart by the action ARN's last segment. */
export const CUSTOM_ACTIONS = {
  remediate: {
    id: 'HubfixRemediate',
    name: 'Remediate',
    description: 'hubfix: assess the blast radius, ask for approval where needed, remediate, verify and annotate the selected findings.',
  },
  plan: {
    id: 'HubfixPlan',
    name: 'Plan only',
    description: 'hubfix: assess the blast radius and write the plan onto the selected findings; nothing is changed.',
  },
  undo: {
    id: 'HubfixUndo',
    name: 'Undo fix',
    description:
      'hubfix: roll back the fix hubfix made on the selected findings (with approval when the fix needed one), verify, annotate.',
  },
} as const;

export { STATE_MACHINE_FILE } from './workflow-definition';

/** Security Hub's own controls product, in any region (findings aggregated from other regions keep theirs). */
export const securityHubProductPattern = (partition: string): string => `arn:${partition}:securityhub:*::product/aws/securityhub`;

/**
 * The products whose findings hubfix may act on, as EventBridge matchers: Security Hub's own controls in any region,
 * plus `trust.products` from the configuration (a "*" there stands for the region: a wildcard matcher).
 */
export const trustedProductMatchers = (partition: string, config: HubfixConfig): string[] => {
  const patterns = [...new Set([securityHubProductPattern(partition), ...config.trust.products])];
  return patterns.flatMap((arn) => (arn.includes('*') ? events.Match.wildcard(arn) : [arn]));
};

/**
 * The EventBridge pattern of the automatic path: new, active, failed findings of exactly these controls, produced by a
 * trusted product. EventBridge matches each field against any element of `findings`, not element by element, so an
 * event that mixes trusted and forged findings still matches: intake checks the product of every finding again.
 */
export const importedFindingsPattern = (controlIds: string[], productMatchers: string[]): events.EventPattern => ({
  source: ['aws.securityhub'],
  detailType: ['Security Hub Findings - Imported'],
  detail: {
    findings: {
      ProductArn: productMatchers,
      Compliance: { Status: ['FAILED'], SecurityControlId: controlIds },
      RecordState: ['ACTIVE'],
      Workflow: { Status: ['NEW'] },
    },
  },
});

export interface HubfixStackProps extends StackProps {
  config: HubfixConfig;
}

const INTAKE_TIMEOUT = Duration.seconds(30);

/**
 * What nobody may do to the audit table: change or delete a record (directly, in a batch, or with PartiQL, whose INSERT
 * the writers do not use either), make records expire (TTL), or delete the table.
 */
export const AUDIT_TABLE_DENIED_ACTIONS = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:UpdateTimeToLive',
  'dynamodb:DeleteTable',
];

/** The approval API's access log: what happened, to whom and from where, never the query string that holds the signature. */
export const APPROVAL_API_ACCESS_LOG_FIELDS = {
  requestId: apigateway.AccessLogField.contextRequestId(),
  extendedRequestId: apigateway.AccessLogField.contextExtendedRequestId(),
  ip: apigateway.AccessLogField.contextIdentitySourceIp(),
  requestTime: apigateway.AccessLogField.contextRequestTime(),
  httpMethod: apigateway.AccessLogField.contextHttpMethod(),
  resourcePath: apigateway.AccessLogField.contextResourcePath(),
  status: apigateway.AccessLogField.contextStatus(),
  protocol: apigateway.AccessLogField.contextProtocol(),
  responseLength: apigateway.AccessLogField.contextResponseLength(),
  responseLatency: apigateway.AccessLogField.contextResponseLatency(),
  wafStatus: apigateway.AccessLogField.contextWafStatus(),
} as const;
const API_STAGE = 'prod';

export class HubfixStack extends Stack {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Record<FunctionRole, NodejsFunction>;
  readonly approvalTable: dynamodb.Table;
  readonly lockTable: dynamodb.Table;
  readonly auditTable: dynamodb.Table;
  readonly approvalTopic: sns.Topic;
  readonly opsTopic: sns.Topic;
  readonly linkSecret: secretsmanager.Secret;
  readonly intakeQueue: sqs.Queue;
  readonly approvalApi: apigateway.RestApi;
  readonly controlHygiene: ControlHygiene;
  /** Slack as a second approval channel (present when `slack` is configured). */
  readonly slackChannel?: SlackChannel;
  /** The web ACL in front of the approval API (absent when `approvalApi.waf` is false). */
  readonly approvalApiWebAcl?: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: HubfixStackProps) {
    super(scope, id, props);
    const { config } = props;

    // --- Notifications: approval emails and operator alarms, encrypted with one rotating key. ---
    const notificationKey = new kms.Key(this, 'NotificationKey', {
      description: 'hubfix: encrypts the approval and operations SNS topics',
      enableKeyRotation: true,
    });
    // CloudWatch alarms publish to the encrypted ops topic only if the key lets them.
    notificationKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    const notificationDlq = this.encryptedQueue('NotificationDlq', { retentionPeriod: Duration.days(14) });
    acknowledgeDeadLetterQueue(notificationDlq, true);
    this.approvalTopic = new sns.Topic(this, 'ApprovalTopic', {
      displayName: 'hubfix approvals',
      masterKey: notificationKey,
      enforceSSL: true,
    });
    for (const email of config.approvers.emails) {
      this.approvalTopic.addSubscription(new subscriptions.EmailSubscription(email, { deadLetterQueue: notificationDlq }));
    }
    this.opsTopic = new sns.Topic(this, 'OpsTopic', {
      displayName: 'hubfix operations alarms',
      masterKey: notificationKey,
      enforceSSL: true,
    });
    // The topic policy that enforceSSL creates replaces SNS's default one: let this account's alarms publish.
    this.opsTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.opsTopic.topicArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': this.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );

    // --- Approval store and link-signing key. ---
    this.approvalTable = new dynamodb.Table(this, 'ApprovalTable', {
      partitionKey: { name: 'approvalId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'ttl',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
    });
    // One run changes one resource at a time: intake takes the lock, Annotate gives it back, TTL clears leftovers.
    this.lockTable = new dynamodb.Table(this, 'LockTable', {
      partitionKey: { name: 'lockId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'ttl',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
    });
    // Audit trail: one record per run, kept for years (no TTL), point-in-time recovery, deletion protection,
    // retained when the stack goes. The time index (constant partition, annotatedAt) serves "every run since".
    this.auditTable = new dynamodb.Table(this, 'AuditTable', {
      partitionKey: { name: 'executionId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.auditTable.addGlobalSecondaryIndex({
      indexName: AUDIT_TIME_INDEX,
      partitionKey: { name: 'auditPartition', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'annotatedAt', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    // The run history of one finding (finding key, annotatedAt): Undo and loop protection read what hubfix did.
    this.auditTable.addGlobalSecondaryIndex({
      indexName: AUDIT_FINDING_INDEX,
      partitionKey: { name: 'findingKey', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'annotatedAt', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    this.linkSecret = new secretsmanager.Secret(this, 'LinkSigningKey', {
      description: 'hubfix: HMAC key that signs approval links',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    acknowledgeLinkSecret(this.linkSecret);

    // --- Roles: one per privilege set; assess and verify share the read-only inspect role. ---
    const role = (roleId: string, description: string, roleName?: string) =>
      new iam.Role(this, roleId, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description, roleName });
    const roles = {
      intake: role('IntakeRole', 'hubfix intake: starts executions, annotates rejected findings'),
      // Fixed names: the member roles in other accounts trust exactly these (infra/member-stack.ts).
      inspect: role(
        'InspectRole',
        'hubfix assess and verify: read-only inspection of the finding resource',
        ADMINISTRATOR_ROLE_NAMES.inspect,
      ),
      remediate: role('RemediateRole', 'hubfix remediate: the narrowest write each control needs', ADMINISTRATOR_ROLE_NAMES.remediate),
      requestApproval: role('RequestApprovalRole', 'hubfix request-approval: stores the approval and emails the link'),
      approvalApi: role('ApprovalApiRole', 'hubfix approval API: checks a decision and answers the waiting task'),
      annotate: role('AnnotateRole', 'hubfix annotate: writes the outcome onto the finding'),
    };
    const hubArn = this.formatArn({ service: 'securityhub', resource: 'hub', resourceName: 'default' });
    for (const annotator of [roles.intake, roles.requestApproval, roles.annotate]) {
      annotator.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['securityhub:BatchUpdateFindings'], resources: [hubArn] }));
    }
    // Security Hub, re-read, is the source of truth: intake and Assess read the finding and hubfix's own run history
    // (never the event's copy or the finding's user-defined fields) before anything acts on it.
    for (const reader of [roles.intake, roles.inspect]) {
      reader.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['securityhub:GetFindings'], resources: [hubArn] }));
    }
    // Control reads and writes, built from the declarations in permissions.ts: the actions one by one, on `*` where they
    // act on whichever resource a finding names, scoped where the declaration says (log prefixes, hubfix's own trail
    // and alarms, the configured delivery role).
    const grantScope: GrantScope = {
      partition: this.partition,
      account: this.account,
      flowLogsDeliveryRoleArn: config.flowLogs.deliverLogsPermissionArn,
    };
    const controlGrants = { inspect: inspectGrants(), remediate: remediateGrants() };
    for (const access of ['inspect', 'remediate'] as const) {
      for (const statement of grantStatements(controlGrants[access], grantScope)) roles[access].addToPrincipalPolicy(statement);
      acknowledgeControlGrants(
        roles[access],
        controlGrants[access],
        grantScope,
        'the role acts in its own account, and elsewhere only through the member role of the same privilege',
        { functionRole: true },
      );
    }
    // In the other accounts of the organization they act through the member roles of the same privilege; a
    // single-account hubfix assumes no role, and a multi-account one without organization.id does not synthesize.
    const organizationId = organizationOf(config, this.account);
    if (organizationId) for (const access of ['inspect', 'remediate'] as const) assumeMemberRole(roles[access], access, organizationId);
    for (const other of [roles.intake, roles.requestApproval, roles.approvalApi, roles.annotate]) acknowledgeFunctionRole(other);

    // --- Functions. ---
    const fn = (
      fnId: string,
      entry: string,
      description: string,
      fnRole: iam.IRole,
      timeout: Duration,
      environment?: Record<string, string>,
    ) => new HubfixFunction(this, fnId, { entry, description, role: fnRole, timeout, config, environment });
    this.functions = {
      intake: fn(
        'Intake',
        'handlers/intake.ts',
        'hubfix: validates custom-action findings and starts one execution each',
        roles.intake,
        INTAKE_TIMEOUT,
        {
          [SETTINGS_ENV.lockTableName]: this.lockTable.tableName,
          [SETTINGS_ENV.auditTableName]: this.auditTable.tableName,
        },
      ),
      assess: fn(
        'Assess',
        'handlers/assess.ts',
        'hubfix: re-reads the finding, read-only blast-radius check and plan',
        roles.inspect,
        Duration.seconds(90),
        {
          [SETTINGS_ENV.lockTableName]: this.lockTable.tableName,
          [SETTINGS_ENV.auditTableName]: this.auditTable.tableName,
        },
      ),
      requestApproval: fn(
        'RequestApproval',
        'handlers/request-approval.ts',
        'hubfix: stores the task token server-side and emails one approval link',
        roles.requestApproval,
        Duration.seconds(30),
        {
          [SETTINGS_ENV.approvalTableName]: this.approvalTable.tableName,
          [SETTINGS_ENV.approvalTopicArn]: this.approvalTopic.topicArn,
          [SETTINGS_ENV.linkSecretId]: this.linkSecret.secretArn,
          // APPROVAL_BASE_URL is added once the API exists (below).
        },
      ),
      approvalApi: fn(
        'ApprovalApi',
        'handlers/approval-api.ts',
        'hubfix: approval page (GET) and signed decision (POST)',
        roles.approvalApi,
        Duration.seconds(15),
        {
          [SETTINGS_ENV.approvalTableName]: this.approvalTable.tableName,
          [SETTINGS_ENV.linkSecretId]: this.linkSecret.secretArn,
        },
      ),
      remediate: fn(
        'Remediate',
        'handlers/remediate.ts',
        'hubfix: makes the planned change and records before/after',
        roles.remediate,
        Duration.seconds(90),
      ),
      verify: fn(
        'Verify',
        'handlers/verify.ts',
        'hubfix: re-reads the resource independently of remediation',
        roles.inspect,
        Duration.seconds(90),
      ),
      annotate: fn(
        'Annotate',
        'handlers/annotate.ts',
        'hubfix: writes the outcome onto the finding and the audit record',
        roles.annotate,
        Duration.seconds(60),
        {
          [SETTINGS_ENV.lockTableName]: this.lockTable.tableName,
          [SETTINGS_ENV.auditTableName]: this.auditTable.tableName,
        },
      ),
    };

    // The steps that act in the finding's account tell it from their own: there they use their role, elsewhere the member role.
    for (const step of [this.functions.assess, this.functions.remediate, this.functions.verify])
      step.addEnvironment(HOME_ACCOUNT_ENV, this.account);

    // Resource locks: intake takes (and on contention reads) them, Annotate releases them.
    roles.intake.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:PutItem', 'dynamodb:GetItem'], resources: [this.lockTable.tableArn] }),
    );
    roles.annotate.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:DeleteItem'], resources: [this.lockTable.tableArn] }),
    );
    // Blast limits: Assess counts automatic changes per window in the same table (a conditional update per counter).
    roles.inspect.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [this.lockTable.tableArn] }));
    // Run history: the finding index of the audit table, read only.
    for (const reader of [roles.intake, roles.inspect]) {
      reader.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${this.auditTable.tableArn}/index/${AUDIT_FINDING_INDEX}`] }),
      );
    }
    // Audit records are written once (a conditional put) and never changed: no role may update or delete them.
    roles.annotate.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [this.auditTable.tableArn] }));
    // Request approval: put the approval, publish the email (the topic key is granted with it), read the key.
    roles.requestApproval.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [this.approvalTable.tableArn] }),
    );
    this.approvalTopic.grantPublish(roles.requestApproval);
    acknowledgeTopicPublisher(roles.requestApproval);
    // Approval API: read and conditionally update the approval.
    roles.approvalApi.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [this.approvalTable.tableArn] }),
    );
    for (const signer of [roles.requestApproval, roles.approvalApi]) {
      signer.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.linkSecret.secretArn] }),
      );
    }

    // --- The workflow. ---
    const workflowLogs = new logs.LogGroup(this, 'WorkflowLogs', { retention: logs.RetentionDays.ONE_YEAR });
    const taskFunctions = Object.fromEntries(
      Object.entries(DEFINITION_FUNCTIONS).map(([placeholder, fnRole]) => [placeholder, this.functions[fnRole]]),
    );
    this.stateMachine = new sfn.StateMachine(this, 'RemediateFinding', {
      definitionBody: sfn.DefinitionBody.fromString(workflowDefinition(config)),
      // Each task names the function version published with this deployment: a run waiting for an approval across a
      // redeployment ends on the code it started with (infra/pinned-tasks.ts).
      definitionSubstitutions: pinnedTaskSubstitutions(taskFunctions),
      stateMachineType: sfn.StateMachineType.STANDARD,
      tracingEnabled: true,
      // Execution data stays out of the logs: RequestApproval's parameters carry the task token.
      logs: { destination: workflowLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    // A definition from a string infers no grants: invoke the versions of exactly the five task functions.
    grantInvokeTaskVersions(this.stateMachine, Object.values(taskFunctions));
    this.stateMachine.grantStartExecution(roles.intake);
    // The approval API answers waiting tasks of this state machine only.
    roles.approvalApi.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
        resources: [this.stateMachine.stateMachineArn],
      }),
    );
    this.functions.intake.addEnvironment(SETTINGS_ENV.stateMachineArn, this.stateMachine.stateMachineArn);

    // --- Intake: custom actions → EventBridge → SQS (DLQ) → intake. ---
    const intakeDlq = this.encryptedQueue('IntakeDlq', { retentionPeriod: Duration.days(14) });
    this.intakeQueue = this.encryptedQueue('IntakeQueue', {
      visibilityTimeout: Duration.seconds(INTAKE_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: intakeDlq, maxReceiveCount: 3 },
    });
    for (const [key, action] of Object.entries(CUSTOM_ACTIONS)) {
      const target = new securityhub.CfnActionTarget(this, `${action.id}Action`, {
        id: action.id,
        name: action.name,
        description: action.description,
      });
      // Keyed on hubfix's own action ARNs, not on the product: a person chose these findings, and intake refuses an
      // untrusted product per finding and annotates it ("not acted on: product X is not trusted"), which a pattern
      // that drops the event cannot do.
      new events.Rule(this, `${action.id}Rule`, {
        description: `hubfix: Security Hub custom action "${action.name}" (${key}) to the intake queue`,
        eventPattern: {
          source: ['aws.securityhub'],
          detailType: ['Security Hub Findings - Custom Action'],
          resources: [target.attrActionTargetArn],
        },
        // Events EventBridge cannot deliver land in the same DLQ as events intake cannot process.
        targets: [new eventTargets.SqsQueue(this.intakeQueue, { deadLetterQueue: intakeDlq, retryAttempts: 10 })],
      });
    }
    // The automatic path: imported findings of the controls in "auto" mode, narrowed in the pattern itself so
    // nothing else (and none of hubfix's own NOTIFIED / RESOLVED updates) ever reaches intake.
    const automatic = automaticControlIds(config);
    if (automatic.length > 0) {
      new events.Rule(this, 'ImportedFindingsRule', {
        description: 'hubfix: imported failed findings of the controls in auto mode, from trusted products, to the intake queue',
        eventPattern: importedFindingsPattern(automatic, trustedProductMatchers(this.partition, config)),
        targets: [new eventTargets.SqsQueue(this.intakeQueue, { deadLetterQueue: intakeDlq, retryAttempts: 10 })],
      });
    }
    // maxConcurrency bounds intake (and so StartExecution and BatchUpdateFindings rates) without reserving account concurrency.
    this.functions.intake.addEventSource(
      new SqsEventSource(this.intakeQueue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 5 }),
    );
    acknowledgeIntake(this.functions.intake);
    acknowledgeDeadLetterQueue(intakeDlq);

    // --- Approval API. ---
    // The link's signature travels in the query string: no X-Ray tracing on the stage (a trace records the request URL)
    // and an access log of named fields that carry no query string ($context.resourcePath is the template
    // /approvals/{approvalId}; $context.path, the request line and the override variables are left out).
    const apiLogs = new logs.LogGroup(this, 'ApprovalApiAccessLogs', { retention: logs.RetentionDays.ONE_YEAR });
    this.approvalApi = new apigateway.RestApi(this, 'ApprovalRestApi', {
      description: 'hubfix approval links: GET shows the decision page, POST records a signed decision',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      cloudWatchRole: false,
      deployOptions: {
        stageName: API_STAGE,
        throttlingRateLimit: 10,
        throttlingBurstLimit: 20,
        tracingEnabled: false,
        accessLogDestination: new apigateway.LogGroupLogDestination(apiLogs),
        accessLogFormat: apigateway.AccessLogFormat.custom(JSON.stringify(APPROVAL_API_ACCESS_LOG_FIELDS)),
      },
    });
    // One client cannot starve the approvers: a WAF rate-based rule per source IP in front of the shared stage throttle.
    if (config.approvalApi.waf)
      this.approvalApiWebAcl = this.rateLimitPerSourceIp(this.approvalApi.deploymentStage, config.approvalApi.rateLimitPer5Minutes);
    acknowledgeApprovalApi(this.approvalApi, { waf: config.approvalApi.waf });
    const requireApprovalId = new apigateway.RequestValidator(this, 'ApprovalRequestValidator', {
      restApi: this.approvalApi,
      validateRequestParameters: true,
    });
    const approval = this.approvalApi.root.addResource('approvals').addResource('{approvalId}');
    const integration = new apigateway.LambdaIntegration(this.functions.approvalApi);
    for (const method of ['GET', 'POST']) {
      approval.addMethod(method, integration, {
        requestParameters: { 'method.request.path.approvalId': true },
        requestValidator: requireApprovalId,
      });
    }
    const approvalBaseUrl = `https://${this.approvalApi.restApiId}.execute-api.${this.region}.${this.urlSuffix}/${API_STAGE}`;
    this.functions.requestApproval.addEnvironment(SETTINGS_ENV.approvalBaseUrl, approvalBaseUrl);
    // Slack, when configured: a second channel on the same API, under the same policy.
    if (config.slack) {
      this.slackChannel = new SlackChannel(this, 'SlackChannel', {
        config,
        slack: config.slack,
        api: this.approvalApi,
        approvalTable: this.approvalTable,
        stateMachineArn: this.stateMachine.stateMachineArn,
        requestApprovalRole: roles.requestApproval,
      });
    }

    // --- Control hygiene: the batch workflow that disables redundant controls (one approval per batch). ---
    this.controlHygiene = new ControlHygiene(this, 'ControlHygiene', {
      config,
      approvalTable: this.approvalTable,
      approvalTopic: this.approvalTopic,
      linkSecret: this.linkSecret,
      approvalBaseUrl,
      approvalApiRole: roles.approvalApi,
      organizationId,
      auditTable: this.auditTable,
      opsTopic: this.opsTopic,
    });
    new SecurityHubSetup(this, 'SecurityHubSetup', config.securityHub);
    this.protectAuditRecords([roles.annotate, this.controlHygiene.recordRole]);

    // --- Alarms to the ops topic. ---
    const alarmAction = new cloudwatchActions.SnsAction(this.opsTopic);
    const period = Duration.minutes(5);
    new cloudwatch.Alarm(this, 'WorkflowUnsuccessfulAlarm', {
      alarmDescription: 'hubfix: an execution failed, timed out or was aborted (the finding note says which step)',
      metric: new cloudwatch.MathExpression({
        label: 'Unsuccessful executions',
        expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
        usingMetrics: {
          failed: this.stateMachine.metricFailed({ period }),
          timedOut: this.stateMachine.metricTimedOut({ period }),
          aborted: this.stateMachine.metricAborted({ period }),
        },
        period,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(alarmAction);
    for (const [alarmId, dlq, what] of [
      ['IntakeDlqAlarm', intakeDlq, 'Security Hub events that never reached a workflow'],
      ['NotificationDlqAlarm', notificationDlq, 'approval emails SNS could not deliver'],
    ] as const) {
      new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: `hubfix: the dead-letter queue holds ${what}`,
        metric: dlq.metricApproximateNumberOfMessagesVisible({ period }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(alarmAction);
    }

    new HubfixDashboard(this, 'Operations', { stateMachine: this.stateMachine, intakeDlq, alarmTopic: this.opsTopic });

    new CfnOutput(this, 'ApprovalApiUrl', { value: approvalBaseUrl });
    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ControlHygieneStateMachineArn', { value: this.controlHygiene.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ApprovalTopicArn', { value: this.approvalTopic.topicArn });
    new CfnOutput(this, 'OpsTopicArn', { value: this.opsTopic.topicArn, description: 'Subscribe the platform team here' });
    new CfnOutput(this, 'IntakeDlqUrl', { value: intakeDlq.queueUrl });
    new CfnOutput(this, 'AuditTableName', { value: this.auditTable.tableName, description: 'hubfix audit export --table' });
  }

  /**
   * Write-once enforced by DynamoDB, not only by the conditional puts in the code: the table's resource policy denies
   * every principal (administrators included) the calls that change or remove a record, or the table, and denies
   * PutItem to everyone but the writers. An explicit deny in a resource policy wins over any identity policy's allow;
   * the writers' own PutItem is untouched by it (the condition excludes them), and their code only ever puts with
   * attribute_not_exists(executionId). What IAM cannot express is "only conditional puts": a writer role's credentials
   * could still overwrite a record with an unconditional PutItem, and point-in-time recovery (35 days) keeps the previous
   * version. Resource `*` in a table's resource policy means the table (the ARN would be a circular reference).
   */
  private protectAuditRecords(writers: iam.IRole[]): void {
    this.auditTable.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AuditRecordsAreNeverChangedOrDeleted',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: AUDIT_TABLE_DENIED_ACTIONS,
        resources: ['*'],
      }),
    );
    this.auditTable.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheAuditWritersPutRecords',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['dynamodb:PutItem'],
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': writers.map((writer) => writer.roleArn) } },
      }),
    );
  }

  /**
   * A REGIONAL web ACL with one rate-based rule (requests per source IP in 5 minutes; over the limit, blocked until
   * the rate falls), associated with the stage. Sampled requests are off: they would keep request URIs for hours.
   */
  private rateLimitPerSourceIp(stage: apigateway.Stage, limit: number): wafv2.CfnWebACL {
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: false,
    });
    const webAcl = new wafv2.CfnWebACL(this, 'ApprovalApiWebAcl', {
      description: 'hubfix approval API: per-source-IP rate limit',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('hubfix-approval-api'),
      rules: [
        {
          name: 'RateLimitPerSourceIp',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { aggregateKeyType: 'IP', limit, evaluationWindowSec: 300 } },
          visibilityConfig: visibility('hubfix-approval-api-rate-limit'),
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'ApprovalApiWebAclAssociation', { resourceArn: stage.stageArn, webAclArn: webAcl.attrArn });
    return webAcl;
  }

  /** SQS-managed encryption works with EventBridge and SNS as senders without key policy changes. */
  private encryptedQueue(queueId: string, props: sqs.QueueProps): sqs.Queue {
    return new sqs.Queue(this, queueId, { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, ...props });
  }
}
