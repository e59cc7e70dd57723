import { CfnOutput, Stack, type CfnElement, type StackProps } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import type { HubfixConfig } from '../functions/platform/config';
import { ApprovalService } from './constructs/approval-service';
import { SlackChannel } from './constructs/slack-channel';
import { AuditTrail } from './constructs/audit';
import { ApproverIdentity } from './constructs/approver-identity';
import { ControlHygiene, SecurityHubSetup } from './constructs/control-hygiene';
import { grantStartRuns, Intake } from './constructs/intake';
import { Observability } from './constructs/observability';
import { RemediationWorkflow, type WorkflowTask } from './constructs/remediation-workflow';
import { logicalIdWithout } from './logical-ids';
import { organizationOf } from './member-stack';
import { OPERATOR_START_ROLE_OUTPUT, operatorStartRole, trustOperators } from './operator-access';

// What the parts define, where the rest of hubfix has always found it.
export { AUDIT_TABLE_DENIED_ACTIONS } from './constructs/audit';
export { APPROVAL_API_ACCESS_LOG_FIELDS } from './constructs/approval-service';
export { CUSTOM_ACTIONS, importedFindingsPattern, securityHubProductPattern, trustedProductMatchers } from './constructs/intake';
export { DEFINITION_FUNCTIONS, STATE_MACHINE_FILE } from './constructs/remediation-workflow';

/** The construct ids of the parts whose resources keep the logical ids they had before the split (allocateLogicalId). */
const FLAT_PARTS: ReadonlySet<string> = new Set(['Audit', 'Approvals', 'Workflow', 'Intake', 'Observability']);

export type FunctionRole = WorkflowTask | 'intake' | 'approvalApi';

export interface HubfixStackProps extends StackProps {
  config: HubfixConfig;
}

/**
 * The hubfix administrator stack, composed of its parts: the audit trail, the approval service, the remediation
 * workflow, intake, observability and control hygiene (infra/constructs/). Each part creates its resources and grants
 * its own functions what they need; the stack wires the parts together and names the outputs.
 */
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
  /** Who signs in to decide: the issuer, its client, the sign-in routes, the approval topic's subscription policy. */
  readonly approverIdentity: ApproverIdentity;
  /** Slack as a second approval channel (present when `slack` is configured). */
  /** The role `hubfix remediate` assumes (only when `operators.principalArns` names someone). */
  readonly operatorStartRole?: iam.Role;
  readonly slackChannel?: SlackChannel;
  /** The web ACL in front of the approval API (absent when `approvalApi.waf` is false). */
  readonly approvalApiWebAcl?: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: HubfixStackProps) {
    super(scope, id, props);
    const { config } = props;
    // In the other accounts of the organization the steps act through member roles; a single-account hubfix assumes no
    // role, and a multi-account one without organization.id does not synthesize.
    const organizationId = organizationOf(config, this.account);

    // One rotating key encrypts both topics: the approval emails and the operations alarms.
    const notificationKey = new kms.Key(this, 'NotificationKey', {
      description: 'hubfix: encrypts the approval and operations SNS topics',
      enableKeyRotation: true,
    });
    const audit = new AuditTrail(this, 'Audit');
    const approvals = new ApprovalService(this, 'Approvals', { config, notificationKey });
    this.approverIdentity = new ApproverIdentity(this, 'ApproverIdentity', {
      config,
      api: approvals.api,
      approvalResource: approvals.approvalResource,
      requestValidator: approvals.requestValidator,
      approvalFunction: approvals.approvalApi,
      approvalBaseUrl: approvals.baseUrl,
      approvalTopic: approvals.topic,
    });
    const workflow = new RemediationWorkflow(this, 'Workflow', { config, audit, approvals, organizationId });
    trustOperators(workflow.roles.inspect, config);
    // Slack, when configured: a second channel on the same API, under the same policy.
    if (config.slack) {
      this.slackChannel = new SlackChannel(this, 'SlackChannel', {
        config,
        slack: config.slack,
        api: approvals.api,
        approvalTable: approvals.table,
        stateMachineArn: workflow.stateMachine.stateMachineArn,
        requestApproval: approvals.requestApproval,
        approvalApi: approvals.approvalApi,
      });
    }
    const intake = new Intake(this, 'Intake', { config, workflow, audit });
    // The mapping's id names the queue by its full path, which the split changed. Lambda refuses a second mapping of the
    // same queue to the same function, and CloudFormation creates a resource of a new id before it deletes the old one:
    // keep the id the mapping was deployed with.
    intake.eventSourceMapping.overrideLogicalId('IntakeSqsEventSourceHubfixIntakeQueue71744DCBB233C2EE');
    const observability = new Observability(this, 'Observability', {
      notificationKey,
      stateMachine: workflow.stateMachine,
      intakeDlq: intake.deadLetterQueue,
      notificationDlq: approvals.notificationDlq,
      slackVoteDlq: this.slackChannel?.voteDeadLetterQueue,
      slackCloser: this.slackChannel?.closer,
    });
    // Control hygiene: the batch workflow that disables redundant controls (one approval per batch).
    this.controlHygiene = new ControlHygiene(this, 'ControlHygiene', {
      config,
      approvals,
      organizationId,
      audit,
      opsTopic: observability.opsTopic,
    });
    // A batch's approval goes to Slack too, under the same policy.
    this.slackChannel?.serveWorkflow(this.controlHygiene.stateMachine.stateMachineArn, this.controlHygiene.functions.requestBatchApproval);
    // After intake: it makes the custom actions depend on the hub it creates.
    new SecurityHubSetup(this, 'SecurityHubSetup', config.securityHub);

    this.stateMachine = workflow.stateMachine;
    this.functions = {
      intake: intake.function,
      ...workflow.functions,
      requestApproval: approvals.requestApproval,
      approvalApi: approvals.approvalApi,
    };
    this.approvalTable = approvals.table;
    this.lockTable = workflow.lockTable;
    this.auditTable = audit.table;
    this.approvalTopic = approvals.topic;
    this.opsTopic = observability.opsTopic;
    this.linkSecret = approvals.linkSecret;
    this.intakeQueue = intake.queue;
    this.approvalApi = approvals.api;
    this.approvalApiWebAcl = approvals.webAcl;

    new CfnOutput(this, 'ApprovalApiUrl', { value: approvals.baseUrl });
    new CfnOutput(this, 'StateMachineArn', { value: workflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ControlHygieneStateMachineArn', { value: this.controlHygiene.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ApprovalTopicArn', { value: approvals.topic.topicArn });
    new CfnOutput(this, 'OpsTopicArn', { value: observability.opsTopic.topicArn, description: 'Subscribe the platform team here' });
    new CfnOutput(this, 'IntakeDlqUrl', { value: intake.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'AuditTableName', { value: audit.table.tableName, description: 'hubfix audit export --table' });
    // What `hubfix status` reads (cli/status.ts).
    new CfnOutput(this, 'IntakeQueueArn', { value: intake.queue.queueArn });
    new CfnOutput(this, 'NotificationDlqUrl', { value: approvals.notificationDlq.queueUrl });
    new CfnOutput(this, 'ApprovalTableName', { value: approvals.table.tableName });
    // What `hubfix remediate` starts runs with, as intake does (cli/remediate.ts).
    new CfnOutput(this, 'LockTableName', { value: workflow.lockTable.tableName });
    this.operatorStartRole = operatorStartRole(this, config, (role) => grantStartRuns(role, workflow, audit));
    if (this.operatorStartRole) new CfnOutput(this, OPERATOR_START_ROLE_OUTPUT, { value: this.operatorStartRole.roleArn });
  }

  /**
   * The parts were split out of one constructor after hubfix was deployed; a resource whose logical id changes is a new
   * resource to CloudFormation (a new audit table, state machine, topic, queue, approval API with a new URL, secret
   * that no emailed link was signed with; a second role with a fixed name fails the deployment). So the parts' own
   * construct ids are left out of the logical ids: their resources keep the ids they had at the stack's top level, and
   * test/infra/logical-ids.test.ts pins those of the stateful ones. A part created later may keep its id in the path.
   */
  protected override allocateLogicalId(element: CfnElement): string {
    // By id, not by instance: a part's resources are named (a function's version, the API's deployment) while the part
    // is still being constructed.
    return logicalIdWithout(this, element, FLAT_PARTS);
  }
}
