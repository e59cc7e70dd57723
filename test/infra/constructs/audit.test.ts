import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AUDIT_FINDING_INDEX, AUDIT_TIME_INDEX } from '../../../functions/audit/audit';
import { AUDIT_TABLE_DENIED_ACTIONS, AuditTrail } from '../../../infra/constructs/audit';
import { logicalId, roleStatements } from '../synth';
import { grantsOf, partStack } from './part-stack';

const lambdaRole = (scope: ConstructorParameters<typeof iam.Role>[0], id: string) =>
  new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

describe('AuditTrail', () => {
  let cleanup: () => void;
  afterEach(() => cleanup());

  it('keeps records for good, indexed by time and by finding', () => {
    // Prepare
    const part = partStack();
    cleanup = part.cleanup;
    new AuditTrail(part.stack, 'Audit');

    // Act
    const template = Template.fromStack(part.stack);

    // Assess
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'executionId', KeyType: 'HASH' }],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        TimeToLiveSpecification: Match.absent(),
        GlobalSecondaryIndexes: [Match.objectLike({ IndexName: AUDIT_TIME_INDEX }), Match.objectLike({ IndexName: AUDIT_FINDING_INDEX })],
      }),
    });
  });

  it('lets only the roles granted write-once put records, and nobody change or delete one', () => {
    // Prepare
    const part = partStack();
    cleanup = part.cleanup;
    const audit = new AuditTrail(part.stack, 'Audit');
    const writer = lambdaRole(part.stack, 'Writer');
    const reader = lambdaRole(part.stack, 'Reader');

    // Act
    audit.grantWriteOnce(writer);
    audit.grantRunHistoryRead(reader);
    const template = Template.fromStack(part.stack);

    // Assess
    const table = { 'Fn::GetAtt': [logicalId(audit.table), 'Arn'] };
    expect(grantsOf(roleStatements(template, logicalId(writer)))).toEqual([{ action: 'dynamodb:PutItem', resource: table }]);
    expect(grantsOf(roleStatements(template, logicalId(reader)))).toEqual([
      { action: 'dynamodb:Query', resource: { 'Fn::Join': ['', [table, `/index/${AUDIT_FINDING_INDEX}`]] } },
    ]);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      ResourcePolicy: {
        PolicyDocument: {
          Statement: [
            Match.objectLike({ Effect: 'Deny', Principal: { AWS: '*' }, Action: AUDIT_TABLE_DENIED_ACTIONS, Resource: '*' }),
            Match.objectLike({
              Effect: 'Deny',
              Action: 'dynamodb:PutItem',
              Condition: { ArnNotEquals: { 'aws:PrincipalArn': [{ 'Fn::GetAtt': [logicalId(writer), 'Arn'] }] } },
            }),
          ],
        },
      },
    });
  });
});
