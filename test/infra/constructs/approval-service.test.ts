import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { parseConfig, type HubfixConfig } from '../../../functions/platform/config';
import { SETTINGS_ENV } from '../../../functions/platform/runtime';
import { ApprovalService } from '../../../infra/constructs/approval-service';
import { actionsOf, logicalId, roleStatements, TEST_CONFIG } from '../synth';
import { partStack } from './part-stack';

const approvalService = (config: HubfixConfig = TEST_CONFIG) => {
  const { stack, cleanup } = partStack();
  const notificationKey = new kms.Key(stack, 'Key');
  const approvals = new ApprovalService(stack, 'Approvals', { config, notificationKey });
  return { stack, notificationKey, approvals, cleanup };
};

describe('ApprovalService', () => {
  let cleanup: () => void;
  afterEach(() => cleanup());

  it('emails every configured approver through the topic encrypted with the given key, undeliverable emails to a DLQ', () => {
    // Prepare
    const service = approvalService();
    cleanup = service.cleanup;

    // Act
    const template = Template.fromStack(service.stack);

    // Assess
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(service.notificationKey), 'Arn'] } });
    for (const email of TEST_CONFIG.approvers.emails) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: email,
        TopicArn: { Ref: logicalId(service.approvals.topic) },
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(service.approvals.notificationDlq), 'Arn'] } },
      });
    }
    template.resourceCountIs('AWS::SNS::Subscription', TEST_CONFIG.approvers.emails.length);
  });

  it('gives RequestApproval the approval store, topic, key and the base URL of its own API, and nothing else to decide', () => {
    // Prepare
    const service = approvalService();
    cleanup = service.cleanup;

    // Act
    const template = Template.fromStack(service.stack);
    const request = roleStatements(template, logicalId(service.approvals.requestApproval.role!)).flatMap(actionsOf);
    const environment =
      template.findResources('AWS::Lambda::Function')[logicalId(service.approvals.requestApproval)].Properties.Environment.Variables;

    // Assess
    expect(request).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'sns:Publish', 'secretsmanager:GetSecretValue']));
    expect(request.filter((action) => action.startsWith('states:') || action === 'dynamodb:UpdateItem')).toEqual([]);
    expect(JSON.stringify(environment[SETTINGS_ENV.approvalBaseUrl])).toContain(logicalId(service.approvals.api));
  });

  it('answers the waiting tasks of exactly the state machines it is told about', () => {
    // Prepare
    const untold = approvalService();
    const told = approvalService();
    cleanup = () => [untold, told].forEach((service) => service.cleanup());
    const machineArn = 'arn:aws:states:eu-west-1:111111111111:stateMachine:hubfix-remediate-finding';

    // Act
    told.approvals.answerTasksOf(sfn.StateMachine.fromStateMachineArn(told.stack, 'Machine', machineArn));

    // Assess
    const taskAnswers = (service: typeof told) =>
      roleStatements(Template.fromStack(service.stack), logicalId(service.approvals.approvalApiRole)).filter((s) =>
        actionsOf(s).some((action) => action.startsWith('states:')),
      );
    expect(taskAnswers(untold)).toEqual([]);
    expect(taskAnswers(told)).toEqual([
      expect.objectContaining({ Action: ['states:SendTaskSuccess', 'states:SendTaskFailure'], Resource: machineArn }),
    ]);
  });

  it('serves GET and POST /approvals/{approvalId}, behind a per-source-IP WAF rule unless the configuration turns it off', () => {
    // Prepare
    const withWaf = approvalService();
    const withoutWaf = approvalService(parseConfig({ ...TEST_CONFIG, approvalApi: { waf: false } }));
    cleanup = () => [withWaf, withoutWaf].forEach((service) => service.cleanup());

    // Act
    const template = Template.fromStack(withWaf.stack);

    // Assess
    for (const method of ['GET', 'POST']) {
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: method,
        RequestParameters: { 'method.request.path.approvalId': true },
        Integration: Match.objectLike({ Type: 'AWS_PROXY' }),
      });
    }
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: { 'Fn::GetAtt': [withWaf.stack.getLogicalId(withWaf.approvals.webAcl!), 'Arn'] },
    });
    expect(withoutWaf.approvals.webAcl).toBeUndefined();
    Template.fromStack(withoutWaf.stack).resourceCountIs('AWS::WAFv2::WebACL', 0);
  });
});
