import { parseConfig } from '../../functions/platform/config';
import { logicalId, synthHubfix, TEST_CONFIG } from './synth';

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

  it('lets each configured operator assume hubfix-admin-inspect, and no other role', () => {
    // Act
    const config = parseConfig({ ...TEST_CONFIG, operators: { principalArns: [OPERATOR] } });
    const { stack, template, cleanup } = synthHubfix(config);
    const trusts = Object.entries(template.findResources('AWS::IAM::Role')).filter(([, role]) =>
      JSON.stringify(role.Properties).includes(OPERATOR),
    );
    const inspect = logicalId(stack.functions.assess.role!);
    cleanup();

    // Assess
    expect(trusts.map(([id]) => id)).toEqual([inspect]);
  });

  it('refuses anything but an IAM principal ARN', () => {
    expect(() => parseConfig({ operators: { principalArns: ['*'] } })).toThrow(/operators\.principalArns\.0: an IAM role or user ARN/);
  });
});
