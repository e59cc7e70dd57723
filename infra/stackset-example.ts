import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import type { HubfixConfig } from '../functions/platform/config';
import { ConfigurationError } from '../functions/platform/errors';
import { loadConfigFile } from './build-app';
import { buildMemberApp } from './member-app';

/**
 * An example of deploying the member roles to every account of the organization with a service-managed
 * CloudFormation StackSet: new accounts in the targeted OUs get the roles automatically, and removed accounts lose
 * them. Deploy it from the management account or a StackSets delegated administrator:
 *
 *   npx cdk deploy --app "npx tsx infra/stackset-example.ts" -c organizationalUnitIds=r-abcd \
 *     [-c stackSetRegion=us-east-1] [-c callAs=DELEGATED_ADMIN]
 *
 * IAM roles are global: the stack instances go to one region only (a second region would collide on the names).
 * Service-managed StackSets never deploy to the management account itself; deploy infra/member-app.ts there
 * if hubfix must act in it.
 */

export const STACK_SET_STACK_ID = 'HubfixMemberStackSet';
export const STACK_SET_NAME = 'hubfix-member-roles';
/** CloudFormation's limit for an inline TemplateBody; a bigger template needs TemplateURL (an S3 asset). */
export const TEMPLATE_BODY_LIMIT = 51_200;

const OU_OR_ROOT = /^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/;

export type CallAs = 'SELF' | 'DELEGATED_ADMIN';

export interface MemberStackSetProps extends StackProps {
  /** The member stack's template (JSON), deployed as it is to every account. */
  templateBody: string;
  /** Organization root (r-...) or OU ids (ou-...) whose accounts get the roles. */
  organizationalUnitIds: string[];
  /** The one region the (global) roles are deployed from. */
  stackSetRegion: string;
  /** SELF from the management account, DELEGATED_ADMIN from a StackSets delegated administrator. */
  callAs: CallAs;
}

export class HubfixMemberStackSet extends Stack {
  readonly stackSet: cloudformation.CfnStackSet;

  constructor(scope: Construct, id: string, props: MemberStackSetProps) {
    super(scope, id, props);
    const bad = props.organizationalUnitIds.filter((ou) => !OU_OR_ROOT.test(ou));
    if (props.organizationalUnitIds.length === 0 || bad.length > 0) {
      throw new ConfigurationError(
        `organizationalUnitIds must name the organization root (r-...) or OUs (ou-...): got ${bad.join(', ') || 'none'}`,
      );
    }
    if (!['SELF', 'DELEGATED_ADMIN'].includes(props.callAs))
      throw new ConfigurationError(`callAs must be SELF or DELEGATED_ADMIN: got ${props.callAs}`);
    if (Buffer.byteLength(props.templateBody) > TEMPLATE_BODY_LIMIT) {
      throw new ConfigurationError(
        `The member template is ${Buffer.byteLength(props.templateBody)} bytes; TemplateBody takes at most ${TEMPLATE_BODY_LIMIT}: ` +
          `publish it as an asset (TemplateURL)`,
      );
    }
    this.stackSet = new cloudformation.CfnStackSet(this, 'MemberRoles', {
      stackSetName: STACK_SET_NAME,
      description: 'hubfix member roles (hubfix-inspect, hubfix-remediate, hubfix-hygiene) in every account of the targeted OUs',
      permissionModel: 'SERVICE_MANAGED',
      // Accounts that join a targeted OU get the roles; accounts that leave lose them.
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      callAs: props.callAs,
      capabilities: ['CAPABILITY_NAMED_IAM'],
      managedExecution: { Active: true },
      operationPreferences: { regionConcurrencyType: 'PARALLEL', maxConcurrentPercentage: 25, failureTolerancePercentage: 10 },
      stackInstancesGroup: [{ deploymentTargets: { organizationalUnitIds: props.organizationalUnitIds }, regions: [props.stackSetRegion] }],
      templateBody: props.templateBody,
    });
  }
}

/** The member stack's template as JSON, synthesized (with its cdk-nag checks) in a throwaway directory. */
export const memberTemplateBody = (config: HubfixConfig): string => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-member-'));
  try {
    const { app, stack } = buildMemberApp({ outdir: tmp, config });
    return JSON.stringify(app.synth().getStackArtifact(stack.artifactId).template);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
};

export interface BuildStackSetExampleOptions {
  outdir?: string;
  config?: HubfixConfig;
  /** Context `organizationalUnitIds` (comma-separated) when omitted. */
  organizationalUnitIds?: string[];
  /** Context `stackSetRegion` when omitted, else us-east-1. */
  stackSetRegion?: string;
  /** Context `callAs` when omitted, else SELF. */
  callAs?: CallAs;
}

export const buildStackSetExample = (options: BuildStackSetExampleOptions = {}): { app: App; stack: HubfixMemberStackSet } => {
  const app = new App({ outdir: options.outdir });
  const context = (key: string) => app.node.tryGetContext(key) as string | undefined;
  const config = options.config ?? loadConfigFile(context('hubfixConfig'));
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new HubfixMemberStackSet(app, STACK_SET_STACK_ID, {
    templateBody: memberTemplateBody(config),
    organizationalUnitIds: options.organizationalUnitIds ?? (context('organizationalUnitIds') ?? '').split(',').filter(Boolean),
    stackSetRegion: options.stackSetRegion ?? context('stackSetRegion') ?? 'us-east-1',
    callAs: options.callAs ?? (context('callAs') as CallAs | undefined) ?? 'SELF',
    description: 'hubfix: a service-managed StackSet that deploys the hubfix member roles to every account of the organization',
  });
  return { app, stack };
};

if (require.main === module) buildStackSetExample().app.synth();
