import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as securityhub from 'aws-cdk-lib/aws-securityhub';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { HubfixConfig } from '../../functions/platform/config';
import { definitionWithApprovalWait } from '../workflow-definition';
import { SETTINGS_ENV } from '../../functions/platform/runtime';
import { ADMINISTRATOR_ROLE_NAMES, assumeMemberRole } from '../member-stack';
import { acknowledgeControlGrants, acknowledgeFunctionRole, acknowledgeTopicPublisher } from '../nag-acknowledgements';
import { grantStatements, hygienePermissions, type GrantScope } from '../permissions';
import { grantInvokeTaskVersions, pinnedTaskSubstitutions } from '../pinned-tasks';
import type { AuditTrail } from './audit';
import { HubfixFunction, REPO_ROOT } from './hubfix-function';

export const HYGIENE_STATE_MACHINE_FILE = path.join(REPO_ROOT, 'statemachines', 'control-hygiene.asl.json');
export const HYGIENE_APPROVAL_STATE = 'RequestApproval';

export type HygieneRole = 'prepare' | 'requestBatchApproval' | 'applyControls' | 'recordChanges';

/** The ASL's `${...}` placeholders and the function each one names (the sandbox binds handlers by this). */
export const HYGIENE_FUNCTIONS = {
  PrepareFunctionArn: 'prepare',
  RequestBatchApprovalFunctionArn: 'requestBatchApproval',
  ApplyControlsFunctionArn: 'applyControls',
  RecordChangesFunctionArn: 'recordChanges',
} as const satisfies Record<string, HygieneRole>;

/** The definition as deployed: the approval wait set from the configuration, as for the remediation workflow. */
export const hygieneDefinition = (config: HubfixConfig): string =>
  definitionWithApprovalWait(HYGIENE_STATE_MACHINE_FILE, HYGIENE_APPROVAL_STATE, config);

export interface ControlHygieneProps {
  config: HubfixConfig;
  approvalTable: dynamodb.ITable;
  approvalTopic: sns.ITopic;
  linkSecret: secretsmanager.ISecret;
  approvalBaseUrl: string;
  /** The approval API's role: it answers this state machine's waiting task too. */
  approvalApiRole: iam.IRole;
  /** The write-once audit trail: the batch's record goes beside the remediation runs. */
  audit: AuditTrail;
  /** The organization whose member accounts' hubfix-hygiene roles the apply step may assume; absent: single account. */
  organizationId?: string;
  opsTopic: sns.ITopic;
}

/**
 * The control-hygiene batch workflow (statemachines/control-hygiene.asl.json): its four functions, each with its own
 * least-privilege role, and the state machine with X-Ray, logging without execution data, a timeout and an alarm.
 */
export class ControlHygiene extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Record<HygieneRole, NodejsFunction>;
  /** The role that writes batch records to the audit table (the table's resource policy names it as a writer). */
  readonly recordRole: iam.IRole;

  constructor(scope: Construct, id: string, props: ControlHygieneProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config } = props;
    const grantScope: GrantScope = { partition: stack.partition, account: stack.account };
    const role = (roleId: string, description: string) =>
      new iam.Role(this, roleId, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description });
    const roles: Record<HygieneRole, iam.Role> = {
      prepare: role('PrepareRole', 'hubfix control hygiene prepare: validates and groups the batch (no AWS access)'),
      requestBatchApproval: role('RequestBatchApprovalRole', 'hubfix control hygiene: stores the batch approval and emails the link'),
      // Its own role, by fixed name: member accounts' hubfix-hygiene roles trust it (infra/member-stack.ts). It may
      // read and update control associations, and assume hubfix-hygiene, nothing else.
      applyControls: new iam.Role(this, 'ApplyControlsRole', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: 'hubfix control hygiene apply: reads and updates Security Hub control associations',
        roleName: ADMINISTRATOR_ROLE_NAMES.hygiene,
      }),
      recordChanges: role('RecordChangesRole', 'hubfix control hygiene record: writes the change list to the audit table'),
    };
    this.recordRole = roles.recordChanges;
    const fn = (fnId: string, entry: string, description: string, fnRole: HygieneRole, environment?: Record<string, string>) =>
      new HubfixFunction(this, fnId, { entry, description, role: roles[fnRole], timeout: Duration.seconds(60), config, environment });
    this.functions = {
      prepare: fn(
        'Prepare',
        'hygiene/prepare-batch.ts',
        'hubfix control hygiene: validates the batch and groups it per account and region',
        'prepare',
      ),
      requestBatchApproval: fn(
        'RequestBatchApproval',
        'hygiene/request-batch-approval.ts',
        'hubfix control hygiene: one approval for the whole batch',
        'requestBatchApproval',
        {
          [SETTINGS_ENV.approvalTableName]: props.approvalTable.tableName,
          [SETTINGS_ENV.approvalTopicArn]: props.approvalTopic.topicArn,
          [SETTINGS_ENV.linkSecretId]: props.linkSecret.secretArn,
          [SETTINGS_ENV.approvalBaseUrl]: props.approvalBaseUrl,
        },
      ),
      applyControls: fn(
        'ApplyControls',
        'hygiene/apply-controls.ts',
        'hubfix control hygiene: BatchUpdateStandardsControlAssociations in one account and region',
        'applyControls',
        {
          HUBFIX_HOME_ACCOUNT_ID: stack.account,
        },
      ),
      recordChanges: fn(
        'RecordChanges',
        'hygiene/record-changes.ts',
        'hubfix control hygiene: the change list to the audit table, the output and the log',
        'recordChanges',
        {
          [SETTINGS_ENV.auditTableName]: props.audit.table.tableName,
        },
      ),
    };

    // Request approval: the same store, topic and link key as remediations; put only, publish only, read the key.
    roles.requestBatchApproval.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [props.approvalTable.tableArn] }),
    );
    props.approvalTopic.grantPublish(roles.requestBatchApproval);
    acknowledgeTopicPublisher(roles.requestBatchApproval);
    roles.requestBatchApproval.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [props.linkSecret.secretArn] }),
    );
    // Record: put only (write-once, like Annotate's records).
    props.audit.grantWriteOnce(roles.recordChanges);
    for (const other of [roles.prepare, roles.requestBatchApproval, roles.recordChanges]) acknowledgeFunctionRole(other);
    // Apply: the control associations (Security Hub supports no resource-level permissions for them), in member
    // accounts through hubfix-hygiene.
    for (const statement of grantStatements(hygienePermissions, grantScope)) roles.applyControls.addToPrincipalPolicy(statement);
    acknowledgeControlGrants(
      roles.applyControls,
      hygienePermissions,
      grantScope,
      'Security Hub control associations of its own account; elsewhere only through hubfix-hygiene',
      { functionRole: true },
    );
    if (props.organizationId) assumeMemberRole(roles.applyControls, 'hygiene', props.organizationId);

    const workflowLogs = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_YEAR });
    const taskFunctions = Object.fromEntries(
      Object.entries(HYGIENE_FUNCTIONS).map(([placeholder, fnRole]) => [placeholder, this.functions[fnRole]]),
    );
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromString(hygieneDefinition(config)),
      // Pinned to the function versions of this deployment, like the remediation workflow (infra/pinned-tasks.ts).
      definitionSubstitutions: pinnedTaskSubstitutions(taskFunctions),
      stateMachineType: sfn.StateMachineType.STANDARD,
      tracingEnabled: true,
      timeout: Duration.days(8),
      // Execution data stays out of the logs: RequestApproval's parameters carry the task token.
      logs: { destination: workflowLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    grantInvokeTaskVersions(this.stateMachine, Object.values(taskFunctions));
    props.approvalApiRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
        resources: [this.stateMachine.stateMachineArn],
      }),
    );
    new cloudwatch.Alarm(this, 'FailedAlarm', {
      alarmDescription: 'hubfix control hygiene: a batch failed (the Record step logs each change and the error)',
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new cloudwatchActions.SnsAction(props.opsTopic));
  }
}

/**
 * Optional admin-account settings for teams starting from nothing (configuration `securityHub`, all off by default):
 * Security Hub itself, consolidated control findings, and the CIS AWS Foundations Benchmark v3.0.0 standard.
 */
export class SecurityHubSetup extends Construct {
  readonly hub?: securityhub.CfnHub;
  readonly cisStandard?: securityhub.CfnStandard;

  constructor(scope: Construct, id: string, settings: HubfixConfig['securityHub']) {
    super(scope, id);
    const stack = Stack.of(this);
    if (settings.enable) {
      this.hub = new securityhub.CfnHub(this, 'Hub', {
        enableDefaultStandards: false,
        autoEnableControls: true,
        controlFindingGenerator: settings.consolidatedFindings ? 'SECURITY_CONTROL' : 'STANDARD_CONTROL',
      });
      // The custom actions need the hub: create it first.
      for (const action of stack.node.findAll().filter((c): c is securityhub.CfnActionTarget => c instanceof securityhub.CfnActionTarget)) {
        action.node.addDependency(this.hub);
      }
    }
    if (settings.enableCis30) {
      this.cisStandard = new securityhub.CfnStandard(this, 'CisV300', {
        standardsArn: `arn:${stack.partition}:securityhub:${stack.region}::standards/cis-aws-foundations-benchmark/v/3.0.0`,
      });
      if (this.hub) this.cisStandard.node.addDependency(this.hub);
    }
  }
}
