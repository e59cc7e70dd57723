import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Observability } from '../../../infra/constructs/observability';
import { logicalId } from '../synth';
import { partStack } from './part-stack';

const observabilityPart = () => {
  const { stack, cleanup } = partStack();
  const notificationKey = new kms.Key(stack, 'Key');
  const stateMachine = new sfn.StateMachine(stack, 'Machine', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Pass')),
  });
  const intakeDlq = new sqs.Queue(stack, 'IntakeDlq');
  const notificationDlq = new sqs.Queue(stack, 'NotificationDlq');
  const observability = new Observability(stack, 'Observability', { notificationKey, stateMachine, intakeDlq, notificationDlq });
  return { stack, notificationKey, stateMachine, intakeDlq, notificationDlq, observability, cleanup };
};

describe('Observability', () => {
  let cleanup: () => void;
  afterEach(() => cleanup());

  it('lets this account’s CloudWatch alarms, and only them, publish to the encrypted operations topic', () => {
    // Prepare
    const part = observabilityPart();
    cleanup = part.cleanup;

    // Act
    const template = Template.fromStack(part.stack);

    // Assess
    const topic = logicalId(part.observability.opsTopic);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(part.notificationKey), 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              ArnLike: {
                'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:eu-west-1:111111111111:alarm:*']] },
              },
            },
          }),
        ]),
      },
    });
  });

  it('alarms the operations topic on any unsuccessful execution and on a message in either dead-letter queue', () => {
    // Prepare
    const part = observabilityPart();
    cleanup = part.cleanup;

    // Act
    const template = Template.fromStack(part.stack);

    // Assess
    const toOps = [{ Ref: logicalId(part.observability.opsTopic) }];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: toOps,
      Metrics: Match.arrayWith([
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              MetricName: 'ExecutionsAborted',
              Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalId(part.stateMachine) } }],
            }),
          }),
        }),
      ]),
    });
    for (const queue of [part.intakeDlq, part.notificationDlq]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmActions: toOps,
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(queue), 'QueueName'] } }],
        Threshold: 1,
      });
    }
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});
