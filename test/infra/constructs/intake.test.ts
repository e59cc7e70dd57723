import { Match, Template } from 'aws-cdk-lib/assertions';
import type { HubfixConfig } from '../../../functions/platform/config';
import { SETTINGS_ENV } from '../../../functions/platform/runtime';
import { automaticControlIds } from '../../../functions/workflow/modes';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ApprovalService } from '../../../infra/constructs/approval-service';
import { AuditTrail } from '../../../infra/constructs/audit';
import { CUSTOM_ACTIONS, Intake } from '../../../infra/constructs/intake';
import { RemediationWorkflow } from '../../../infra/constructs/remediation-workflow';
import { actionsOf, logicalId, roleStatements, TEST_CONFIG } from '../synth';
import { partStack } from './part-stack';

const intakePart = (config: HubfixConfig = TEST_CONFIG) => {
  const { stack, cleanup } = partStack();
  const audit = new AuditTrail(stack, 'Audit');
  const approvals = new ApprovalService(stack, 'Approvals', { config, notificationKey: new kms.Key(stack, 'Key') });
  const workflow = new RemediationWorkflow(stack, 'Workflow', { config, audit, approvals });
  const intake = new Intake(stack, 'Intake', { config, workflow, audit });
  return { stack, audit, workflow, intake, cleanup };
};

describe('Intake', () => {
  let cleanup: () => void;
  afterEach(() => cleanup());

  it('routes each custom action and the auto-mode imported findings to its queue, with its DLQ for what cannot be delivered', () => {
    // Prepare
    const part = intakePart();
    cleanup = part.cleanup;

    // Act
    const template = Template.fromStack(part.stack);

    // Assess
    const target = Match.objectLike({
      Arn: { 'Fn::GetAtt': [logicalId(part.intake.queue), 'Arn'] },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(part.intake.deadLetterQueue), 'Arn'] } },
    });
    for (const action of Object.values(CUSTOM_ACTIONS)) {
      template.hasResourceProperties('AWS::SecurityHub::ActionTarget', { Id: action.id, Name: action.name });
    }
    template.resourcePropertiesCountIs(
      'AWS::Events::Rule',
      { EventPattern: { 'detail-type': ['Security Hub Findings - Custom Action'] }, Targets: [target] },
      Object.keys(CUSTOM_ACTIONS).length,
    );
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        'detail-type': ['Security Hub Findings - Imported'],
        detail: { findings: Match.objectLike({ Compliance: { Status: ['FAILED'], SecurityControlId: automaticControlIds(TEST_CONFIG) } }) },
      }),
      Targets: [target],
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(part.intake.function) },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(part.intake.queue), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    expect(part.intake.eventSourceMapping.cfnResourceType).toBe('AWS::Lambda::EventSourceMapping');
  });

  it('starts executions of the workflow it is given, takes its locks and reads the run history, and is told where they are', () => {
    // Prepare
    const part = intakePart();
    cleanup = part.cleanup;

    // Act
    const template = Template.fromStack(part.stack);
    const statements = roleStatements(template, logicalId(part.intake.function.role!));
    const resourceOf = (action: string) => statements.find((s) => actionsOf(s).includes(action))?.Resource;
    const environment = template.findResources('AWS::Lambda::Function')[logicalId(part.intake.function)].Properties.Environment.Variables;

    // Assess
    expect(resourceOf('states:StartExecution')).toEqual({ Ref: logicalId(part.workflow.stateMachine) });
    expect(resourceOf('dynamodb:PutItem')).toEqual({ 'Fn::GetAtt': [logicalId(part.workflow.lockTable), 'Arn'] });
    expect(JSON.stringify(resourceOf('dynamodb:Query'))).toContain(logicalId(part.audit.table));
    expect(statements.flatMap(actionsOf)).toEqual(expect.arrayContaining(['securityhub:GetFindings', 'securityhub:BatchUpdateFindings']));
    expect(environment).toMatchObject({
      [SETTINGS_ENV.stateMachineArn]: { Ref: logicalId(part.workflow.stateMachine) },
      [SETTINGS_ENV.lockTableName]: { Ref: logicalId(part.workflow.lockTable) },
      [SETTINGS_ENV.auditTableName]: { Ref: logicalId(part.audit.table) },
    });
  });
});
