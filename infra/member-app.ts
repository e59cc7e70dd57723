import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { HubfixConfig } from '../functions/platform/config';
import { loadConfigFile } from './build-app';
import { HubfixMemberStack, memberStackSettings } from './member-stack';

export const MEMBER_STACK_ID = 'HubfixMember';

export interface BuildMemberAppOptions {
  /** Cloud assembly directory; the CLI's CDK_OUTDIR when omitted. */
  outdir?: string;
  /** The configuration; when omitted, read from the file named by context `hubfixConfig` (default config/hubfix.config.json). */
  config?: HubfixConfig;
}

/**
 * The member stack as its own CDK app, with cdk-nag's AwsSolutions pack (an unacknowledged finding makes synth
 * throw). `npx cdk deploy --app "npx tsx infra/member-app.ts"` deploys it to one account; across the organization
 * a StackSet deploys the same template (infra/stackset-example.ts).
 */
export const buildMemberApp = ({ outdir, config }: BuildMemberAppOptions = {}): { app: App; stack: HubfixMemberStack } => {
  const app = new App({ outdir });
  const configFile = app.node.tryGetContext('hubfixConfig') as string | undefined;
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new HubfixMemberStack(app, MEMBER_STACK_ID, {
    ...memberStackSettings(config ?? loadConfigFile(configFile)),
    description:
      'hubfix member roles: hubfix-inspect (read-only), hubfix-remediate and hubfix-hygiene (control associations), assumed by the ' +
      'hubfix administrator account',
  });
  return { app, stack };
};

if (require.main === module) buildMemberApp().app.synth();
