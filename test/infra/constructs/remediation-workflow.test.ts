import { Stack, type CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { MEMBER_ROLE_NAMES } from '../../../functions/platform/clients';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ApprovalService } from '../../../infra/constructs/approval-service';
import { AuditTrail } from '../../../infra/constructs/audit';
import { DEFINITION_FUNCTIONS, RemediationWorkflow, type WorkflowTask } from '../../../infra/constructs/remediation-workflow';
import { ADMINISTRATOR_ROLE_NAMES } from '../../../infra/member-stack';
import { actionsOf, logicalId, roleStatements, TEST_CONFIG } from '../synth';
import { partStack } from './part-stack';

const remediationWorkflow = (organizationId?: string) => {
  const { stack, cleanup } = partStack();
  const audit = new AuditTrail(stack, 'Audit');
  const approvals = new ApprovalService(stack, 'Approvals', { config: TEST_CONFIG, notificationKey: new kms.Key(stack, 'Key') });
  const workflow = new RemediationWorkflow(stack, 'Workflow', { config: TEST_CONFIG, audit, approvals, organizationId });
  return { stack, audit, approvals, workflow, cleanup };
};

describe('RemediationWorkflow', () => {
  let cleanup: () => void;
  afterEach(() => cleanup());

  it('names in its definition the version of each task function published with this deployment, the approval step included', () => {
    // Prepare
    const part = remediationWorkflow();
    cleanup = part.cleanup;
    const fn = (task: WorkflowTask) => (task === 'requestApproval' ? part.approvals.requestApproval : part.workflow.functions[task]);
    const versionId = (task: WorkflowTask) =>
      Stack.of(part.stack).resolve((fn(task).currentVersion.node.defaultChild as CfnResource).logicalId);

    // Act
    const template = Template.fromStack(part.stack);

    // Assess
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionSubstitutions: Object.fromEntries(
        Object.entries(DEFINITION_FUNCTIONS).map(([placeholder, task]) => [placeholder, { Ref: versionId(task) }]),
      ),
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
    });
  });

  it('gives the steps the roles member accounts trust by name: assess and verify one read-only role, remediate its own', () => {
    // Prepare
    const part = remediationWorkflow();
    cleanup = part.cleanup;
    const { functions, roles } = part.workflow;

    // Act
    const template = Template.fromStack(part.stack);

    // Assess
    expect([functions.assess.role, functions.verify.role, functions.remediate.role]).toEqual([
      roles.inspect,
      roles.inspect,
      roles.remediate,
    ]);
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: ADMINISTRATOR_ROLE_NAMES.inspect });
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: ADMINISTRATOR_ROLE_NAMES.remediate });
    const inspect = roleStatements(template, logicalId(roles.inspect));
    expect(inspect.flatMap(actionsOf)).toEqual(
      expect.arrayContaining(['securityhub:GetFindings', 'dynamodb:Query', 'dynamodb:UpdateItem']),
    );
    expect(inspect.flatMap(actionsOf)).not.toContain('sts:AssumeRole');
  });

  it('assumes the member roles of the same privilege only inside the configured organization', () => {
    // Prepare
    const part = remediationWorkflow('o-abc123');
    cleanup = part.cleanup;

    // Act
    const template = Template.fromStack(part.stack);

    // Assess
    for (const access of ['inspect', 'remediate'] as const) {
      const assume = roleStatements(template, logicalId(part.workflow.roles[access])).filter((s) =>
        actionsOf(s).includes('sts:AssumeRole'),
      );
      expect(assume).toEqual([
        expect.objectContaining({
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::*:role/${MEMBER_ROLE_NAMES[access]}`]] },
          Condition: { StringEquals: { 'aws:ResourceOrgID': 'o-abc123' } },
        }),
      ]);
    }
  });

  it('lets Annotate write the audit record once and release locks; intake takes locks only when granted', () => {
    // Prepare
    const part = remediationWorkflow();
    cleanup = part.cleanup;
    const taker = new iam.Role(part.stack, 'Taker', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

    // Act
    part.workflow.grantTakeLocks(taker);
    const template = Template.fromStack(part.stack);

    // Assess
    const lockTable = { 'Fn::GetAtt': [logicalId(part.workflow.lockTable), 'Arn'] };
    const annotate = roleStatements(template, logicalId(part.workflow.roles.annotate));
    expect(annotate).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: 'dynamodb:PutItem', Resource: { 'Fn::GetAtt': [logicalId(part.audit.table), 'Arn'] } }),
        expect.objectContaining({ Action: 'dynamodb:DeleteItem', Resource: lockTable }),
      ]),
    );
    expect(roleStatements(template, logicalId(taker))).toEqual([
      expect.objectContaining({ Action: ['dynamodb:PutItem', 'dynamodb:GetItem'], Resource: lockTable }),
    ]);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      ResourcePolicy: {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Condition: { ArnNotEquals: { 'aws:PrincipalArn': [{ 'Fn::GetAtt': [logicalId(part.workflow.roles.annotate), 'Arn'] }] } },
            }),
          ]),
        },
      },
    });
  });
});
