import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { parseConfig, type HubfixConfig } from '../../functions/platform/config';
import { buildApp } from '../../infra/build-app';

export const TEST_CONFIG: HubfixConfig = parseConfig({
  approvers: { emails: ['secops@example.com', 'platform@example.com'] },
  approval: { timeoutHours: 48, linkLifetimeHours: 24 },
});

/** One synth without bundling, into a temp dir the caller removes with `cleanup`. */
export const synthHubfix = (config: HubfixConfig = TEST_CONFIG) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-infra-'));
  const outdir = path.join(tmp, 'cdk.out');
  const { app, stack } = buildApp({ outdir, config, bundle: false });
  const template = Template.fromStack(stack);
  return { app, stack, template, outdir, cleanup: () => fs.rmSync(tmp, { recursive: true, force: true }) };
};

/** The logical id of a construct's CloudFormation resource (its default child). */
export const logicalId = (construct: IConstruct): string => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);

export interface PolicyStatementJson {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

export const actionsOf = (statement: PolicyStatementJson): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

/** Every statement of every identity policy attached to the role with this logical id. */
export const roleStatements = (template: Template, roleLogicalId: string): PolicyStatementJson[] =>
  Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"${roleLogicalId}"`))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as PolicyStatementJson[]);

/** Every statement of every policy in the template: identity, resource and key policies. */
export const allStatements = (template: Template): PolicyStatementJson[] =>
  Object.values(
    template.toJSON().Resources as Record<string, { Properties?: Record<string, { Statement?: PolicyStatementJson[] }> }>,
  ).flatMap((resource) => [resource.Properties?.PolicyDocument, resource.Properties?.KeyPolicy].flatMap((doc) => doc?.Statement ?? []));
