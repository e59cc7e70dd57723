import { Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { HOME_ACCOUNT_ENV } from '../../functions/platform/clients';
import type { HubfixConfig } from '../../functions/platform/config';
import { SETTINGS_ENV } from '../../functions/platform/runtime';
import { ADMINISTRATOR_ROLE_NAMES, assumeMemberRole } from '../member-stack';
import { acknowledgeControlGrants, acknowledgeFunctionRole } from '../nag-acknowledgements';
import { grantStatements, inspectGrants, remediateGrants, type GrantScope } from '../permissions';
import { grantInvokeTaskVersions, pinnedTaskSubstitutions } from '../pinned-tasks';
import { workflowDefinition } from '../workflow-definition';
import type { AuditTrail } from './audit';
import { grantAnnotateFindings, grantReadFindings } from './findings-access';
import { functionRole, HubfixFunction } from './hubfix-function';

export { STATE_MACHINE_FILE } from '../workflow-definition';

/** The functions the remediation workflow's tasks call. */
export type WorkflowTask = 'assess' | 'requestApproval' | 'remediate' | 'verify' | 'annotate';

/** The ASL's `${...}` placeholders and the function each one names (the sandbox binds handlers by this). */
export const DEFINITION_FUNCTIONS = {
  AssessFunctionArn: 'assess',
  RequestApprovalFunctionArn: 'requestApproval',
  RemediateFunctionArn: 'remediate',
  VerifyFunctionArn: 'verify',
  AnnotateFunctionArn: 'annotate',
} as const satisfies Record<string, WorkflowTask>;

export interface RemediationWorkflowProps {
  config: HubfixConfig;
  audit: AuditTrail;
  /** The approval service's RequestApproval step (a task of this workflow that the approval service owns). */
  requestApproval: lambda.Function;
  /** The organization whose member accounts' hubfix-inspect / hubfix-remediate roles the steps may assume; absent: single account. */
  organizationId?: string;
}

/**
 * The remediation workflow (statemachines/remediate-finding.asl.json, one execution per finding): the resource lock
 * table, the Assess, Remediate, Verify and Annotate steps with their roles (assess and verify share the read-only inspect
 * role; inspect and remediate are built from the control declarations and act in member accounts through the
 * same-privilege member role), and the state machine, each task pinned to the function version of this deployment.
 */
export class RemediationWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  /** One run changes one resource at a time: intake takes the lock, Annotate gives it back, TTL clears leftovers. */
  readonly lockTable: dynamodb.Table;
  readonly functions: Record<Exclude<WorkflowTask, 'requestApproval'>, HubfixFunction>;
  readonly roles: { inspect: iam.Role; remediate: iam.Role; annotate: iam.Role };

  constructor(scope: Construct, id: string, props: RemediationWorkflowProps) {
    super(scope, id);
    const { config, audit } = props;
    const stack = Stack.of(this);

    this.lockTable = new dynamodb.Table(this, 'LockTable', {
      partitionKey: { name: 'lockId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'ttl',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
    });

    // --- Roles: one per privilege set. Fixed names for the two the member roles in other accounts trust. ---
    const roles = {
      inspect: functionRole(
        this,
        'InspectRole',
        'hubfix assess and verify: read-only inspection of the finding resource',
        ADMINISTRATOR_ROLE_NAMES.inspect,
      ),
      remediate: functionRole(
        this,
        'RemediateRole',
        'hubfix remediate: the narrowest write each control needs',
        ADMINISTRATOR_ROLE_NAMES.remediate,
      ),
      annotate: functionRole(this, 'AnnotateRole', 'hubfix annotate: writes the outcome onto the finding'),
    };
    this.roles = roles;
    // Assess re-reads the finding and hubfix's own run history before anything acts on it.
    grantReadFindings(roles.inspect);
    audit.grantRunHistoryRead(roles.inspect);
    // Blast limits: Assess counts automatic changes per window in the lock table (a conditional update per counter).
    roles.inspect.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [this.lockTable.tableArn] }));
    // Control reads and writes, built from the declarations in permissions.ts: the actions one by one, on `*` where they
    // act on whichever resource a finding names, scoped where the declaration says (log prefixes, hubfix's own trail
    // and alarms, the configured delivery role).
    const grantScope: GrantScope = {
      partition: stack.partition,
      account: stack.account,
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
      // In the other accounts of the organization they act through the member roles of the same privilege.
      if (props.organizationId) assumeMemberRole(roles[access], access, props.organizationId);
    }
    // Annotate writes the outcome onto the finding, the write-once audit record, and gives the resource lock back.
    grantAnnotateFindings(roles.annotate);
    audit.grantWriteOnce(roles.annotate);
    roles.annotate.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:DeleteItem'], resources: [this.lockTable.tableArn] }),
    );
    acknowledgeFunctionRole(roles.annotate);

    // --- The steps. Those that act in the finding's account tell it from their own: there they use their role,
    // elsewhere the member role. ---
    const tables = {
      [SETTINGS_ENV.lockTableName]: this.lockTable.tableName,
      [SETTINGS_ENV.auditTableName]: audit.table.tableName,
    };
    const step = (fnId: string, entry: string, description: string, role: iam.IRole, environment: Record<string, string>) =>
      new HubfixFunction(this, fnId, { entry, description, role, timeout: Duration.seconds(90), config, environment });
    this.functions = {
      assess: step('Assess', 'handlers/assess.ts', 'hubfix: re-reads the finding, read-only blast-radius check and plan', roles.inspect, {
        ...tables,
        [HOME_ACCOUNT_ENV]: stack.account,
      }),
      remediate: step('Remediate', 'handlers/remediate.ts', 'hubfix: makes the planned change and records before/after', roles.remediate, {
        [HOME_ACCOUNT_ENV]: stack.account,
      }),
      verify: step('Verify', 'handlers/verify.ts', 'hubfix: re-reads the resource independently of remediation', roles.inspect, {
        [HOME_ACCOUNT_ENV]: stack.account,
      }),
      annotate: new HubfixFunction(this, 'Annotate', {
        entry: 'handlers/annotate.ts',
        description: 'hubfix: writes the outcome onto the finding and the audit record',
        role: roles.annotate,
        timeout: Duration.seconds(60),
        config,
        environment: tables,
      }),
    };

    // --- The state machine. ---
    const workflowLogs = new logs.LogGroup(this, 'WorkflowLogs', { retention: logs.RetentionDays.ONE_YEAR });
    const taskFunction: Record<WorkflowTask, lambda.Function> = { ...this.functions, requestApproval: props.requestApproval };
    const taskFunctions = Object.fromEntries(
      Object.entries(DEFINITION_FUNCTIONS).map(([placeholder, task]) => [placeholder, taskFunction[task]]),
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
  }

  /** Take a resource lock (a conditional put) and, on contention, read who holds it. */
  grantTakeLocks(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:PutItem', 'dynamodb:GetItem'], resources: [this.lockTable.tableArn] }),
    );
  }
}
