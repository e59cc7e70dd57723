import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/** The Security Hub hub of the stack's own account and region: the finding calls are authorized on it. */
const hubArn = (role: iam.IRole): string => Stack.of(role).formatArn({ service: 'securityhub', resource: 'hub', resourceName: 'default' });

/** Write notes, workflow status and user-defined fields onto findings (intake's refusals, approval asked, the outcome). */
export const grantAnnotateFindings = (role: iam.IRole): void => {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['securityhub:BatchUpdateFindings'], resources: [hubArn(role)] }));
};

/**
 * Re-read findings: Security Hub, re-read, is the source of truth (intake and Assess act on what it says now, never on
 * the event's copy or the finding's user-defined fields).
 */
export const grantReadFindings = (role: iam.IRole): void => {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['securityhub:GetFindings'], resources: [hubArn(role)] }));
};
