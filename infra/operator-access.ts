import * as iam from 'aws-cdk-lib/aws-iam';
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
