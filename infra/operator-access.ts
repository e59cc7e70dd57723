import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { HubfixConfig } from '../functions/platform/config';

/**
 * Lets the configured operators (`operators.principalArns`) assume the read-only administrator role (hubfix-admin-inspect):
 * `hubfix status` checks through it that every member role can be assumed, and `hubfix plan` runs a control's assess
 * against real accounts with inspect permissions only. The member roles trust that role alone, so there is no other
 * way for a person to see what hubfix would see; nobody is added when the list is empty.
 */
export const trustOperators = (inspectRole: iam.Role, config: HubfixConfig): void => {
  for (const arn of config.operators.principalArns) {
    inspectRole.assumeRolePolicy?.addStatements(
      new iam.PolicyStatement({ actions: ['sts:AssumeRole'], principals: [new iam.ArnPrincipal(arn)] }),
    );
  }
};

/** The stack output naming that role, where `hubfix remediate` finds it. */
export const OPERATOR_START_ROLE_OUTPUT = 'OperatorStartRoleArn';

/**
 * The role `hubfix remediate` assumes to start runs as intake would, with intake's permissions (`grant`) and nothing
 * else, assumable by the configured operators only; none when the list is empty. Operators then need no Security Hub,
 * DynamoDB or Step Functions permissions of their own, and an SCP limiting StartExecution names this role.
 */
export const operatorStartRole = (scope: Construct, config: HubfixConfig, grant: (role: iam.Role) => void): iam.Role | undefined => {
  const operators = config.operators.principalArns;
  if (operators.length === 0) return undefined;
  const role = new iam.Role(scope, 'OperatorStartRole', {
    assumedBy: new iam.CompositePrincipal(...operators.map((arn) => new iam.ArnPrincipal(arn))),
    description: 'hubfix remediate: an operator starts runs as intake does (findings, locks, run history, StartExecution)',
    maxSessionDuration: Duration.hours(1),
  });
  grant(role);
  return role;
};
