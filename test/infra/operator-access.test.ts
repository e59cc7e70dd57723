import { parseConfig } from '../../functions/platform/config';
import { OPERATOR_START_ROLE_OUTPUT } from '../../infra/operator-access';
import { actionsOf, logicalId, roleStatements, synthHubfix, TEST_CONFIG, type PolicyStatementJson } from './synth';

/** Who may assume hubfix-admin-inspect: Lambda always, the configured operators (hubfix status, hubfix plan), nobody else. */
const OPERATOR = 'arn:aws:iam::111111111111:role/secops-oncall';

const inspectTrust = (config = TEST_CONFIG) => {
  const { stack, template, cleanup } = synthHubfix(config);
  try {
    const role = template.findResources('AWS::IAM::Role')[logicalId(stack.functions.assess.role!)];
    return (
      role.Properties as { AssumeRolePolicyDocument: { Statement: { Principal: Record<string, unknown> }[] } }
    ).AssumeRolePolicyDocument.Statement.map((s) => s.Principal);
  } finally {
    cleanup();
  }
};

describe('operators.principalArns', () => {
  it('adds nobody by default: only Lambda assumes hubfix-admin-inspect', () => {
    expect(inspectTrust()).toEqual([{ Service: 'lambda.amazonaws.com' }]);
  });

  it('lets each configured operator assume hubfix-admin-inspect and the operator start role, and no other role', () => {
    // Act
    const config = parseConfig({ ...TEST_CONFIG, operators: { principalArns: [OPERATOR] } });
    const { stack, template, cleanup } = synthHubfix(config);
    const trusts = Object.entries(template.findResources('AWS::IAM::Role')).filter(([, role]) =>
      JSON.stringify(role.Properties).includes(OPERATOR),
    );
    const inspect = logicalId(stack.functions.assess.role!);
    const start = logicalId(stack.operatorStartRole!);
    cleanup();

    // Assess
    expect(trusts.map(([id]) => id).sort()).toEqual([inspect, start].sort());
  });

  it('creates no operator start role, and no output for one, when no operator is configured', () => {
    const { stack, template, cleanup } = synthHubfix();
    try {
      expect(stack.operatorStartRole).toBeUndefined();
      expect(Object.keys(template.toJSON().Outputs ?? {})).not.toContain(OPERATOR_START_ROLE_OUTPUT);
    } finally {
      cleanup();
    }
  });

  it('gives the operator start role exactly intake\u2019s permissions, trusted by the operators only, and outputs its ARN', () => {
    // Act
    const config = parseConfig({ ...TEST_CONFIG, operators: { principalArns: [OPERATOR] } });
    const { stack, template, cleanup } = synthHubfix(config);
    const startId = logicalId(stack.operatorStartRole!);
    const start = roleStatements(template, startId);
    const intake = roleStatements(template, logicalId(stack.functions.intake.role!));
    const trust = template.findResources('AWS::IAM::Role')[startId].Properties.AssumeRolePolicyDocument.Statement as {
      Principal: Record<string, unknown>;
    }[];
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    cleanup();

    // Assess: intake's statements minus what a Lambda function needs for itself (logs, X-Ray, its queue)
    const runStarting = (statements: PolicyStatementJson[]) =>
      statements
        .filter((s) => actionsOf(s).some((a) => /^(securityhub|states|dynamodb):/.test(a)))
        .filter((s) => !actionsOf(s).some((a) => a.startsWith('sqs:')))
        .map((s) => JSON.stringify(s))
        .sort();
    expect(start.length).toBeGreaterThan(0);
    expect(start.map((s) => JSON.stringify(s)).sort()).toEqual(runStarting(intake));
    expect(start.flatMap(actionsOf)).toEqual(
      expect.arrayContaining(['securityhub:GetFindings', 'securityhub:BatchUpdateFindings', 'states:StartExecution', 'dynamodb:PutItem']),
    );
    expect(trust.map((s) => s.Principal)).toEqual([{ AWS: OPERATOR }]);
    expect(outputs[OPERATOR_START_ROLE_OUTPUT].Value).toEqual({ 'Fn::GetAtt': [startId, 'Arn'] });
  });

  it('refuses anything but an IAM principal ARN', () => {
    expect(() => parseConfig({ operators: { principalArns: ['*'] } })).toThrow(/operators\.principalArns\.0: an IAM role or user ARN/);
  });
});
