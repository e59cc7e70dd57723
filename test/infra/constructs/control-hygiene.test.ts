import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ApprovalService } from '../../../infra/constructs/approval-service';
import { AuditTrail } from '../../../infra/constructs/audit';
import { ControlHygiene, HYGIENE_FUNCTIONS } from '../../../infra/constructs/control-hygiene';
import { ADMINISTRATOR_ROLE_NAMES } from '../../../infra/member-stack';
import { actionsOf, logicalId, roleStatements, TEST_CONFIG } from '../synth';
import { partStack } from './part-stack';

const hygienePart = () => {
  const { stack, cleanup } = partStack();
  const audit = new AuditTrail(stack, 'Audit');
  const approvals = new ApprovalService(stack, 'Approvals', { config: TEST_CONFIG, notificationKey: new kms.Key(stack, 'Key') });
  const opsTopic = new sns.Topic(stack, 'Ops');
  const hygiene = new ControlHygiene(stack, 'ControlHygiene', {
    config: TEST_CONFIG,
    approvals,
    audit,
    opsTopic,
  });
  return { stack, audit, approvals, opsTopic, hygiene, cleanup };
};

describe('ControlHygiene', () => {
  let cleanup: () => void;
  afterEach(() => cleanup());

  it('runs its four steps, pinned to this deployment’s versions, for at most 8 days, with an alarm to the operations topic', () => {
    // Prepare
    const part = hygienePart();
    cleanup = part.cleanup;

    // Act
    const template = Template.fromStack(part.stack);

    // Assess
    const machine = template.findResources('AWS::StepFunctions::StateMachine')[logicalId(part.hygiene.stateMachine)];
    expect(Object.keys(machine.Properties.DefinitionSubstitutions).sort()).toEqual(Object.keys(HYGIENE_FUNCTIONS).sort());
    expect(JSON.parse(machine.Properties.DefinitionString as string).TimeoutSeconds).toBe(Duration.days(8).toSeconds());
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      AlarmActions: [{ Ref: logicalId(part.opsTopic) }],
    });
  });

  it(
    'writes batch records as an audit writer, applies controls through the role member accounts trust, and is answered by the ' +
      'approval API',
    () => {
      // Prepare
      const part = hygienePart();
      cleanup = part.cleanup;

      // Act
      const template = Template.fromStack(part.stack);

      // Assess
      template.hasResourceProperties('AWS::IAM::Role', { RoleName: ADMINISTRATOR_ROLE_NAMES.hygiene });
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        ResourcePolicy: {
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Condition: { ArnNotEquals: { 'aws:PrincipalArn': [{ 'Fn::GetAtt': [logicalId(part.hygiene.recordRole), 'Arn'] }] } },
              }),
            ]),
          },
        },
      });
      const answers = roleStatements(template, logicalId(part.approvals.approvalApiRole)).find((s) =>
        actionsOf(s).includes('states:SendTaskSuccess'),
      );
      expect(answers?.Resource).toEqual({ Ref: logicalId(part.hygiene.stateMachine) });
    },
  );
});
