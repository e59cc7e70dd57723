import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { parseConfig, type HubfixConfig } from '../functions/platform/config';
import { REPO_ROOT } from './constructs/hubfix-function';
import { HubfixStack } from './hubfix-stack';

export const DEFAULT_CONFIG_FILE = path.join(REPO_ROOT, 'config', 'hubfix.config.json');
export const STACK_ID = 'Hubfix';

/** Reads and validates a configuration file (relative paths are taken from the repository root). */
export const loadConfigFile = (file: string = DEFAULT_CONFIG_FILE): HubfixConfig => {
  const resolved = path.resolve(REPO_ROOT, file);
  return parseConfig(JSON.parse(fs.readFileSync(resolved, 'utf8')), resolved);
};

/** cdk.json's context (feature flags): applied here too, so tests and the sandbox synthesize what `cdk synth` does. */
const cdkJsonContext = (): Record<string, unknown> => {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
};

export interface BuildAppOptions {
  /** Cloud assembly directory; the CLI's CDK_OUTDIR when omitted. Tests pass one under their temp dir. */
  outdir?: string;
  /** The configuration; when omitted, read from the file named by context `hubfixConfig` (default config/hubfix.config.json). */
  config?: HubfixConfig;
  /** false skips asset bundling (context `aws:cdk:bundling-stacks: []`): fast synth for tests and the sandbox. */
  bundle?: boolean;
}

/**
 * The hubfix CDK app with cdk-nag's AwsSolutions and Serverless packs: an unacknowledged finding makes
 * synth throw. Environment-agnostic unless context `account` / `region` is given.
 */
export const buildApp = ({ outdir, config, bundle = true }: BuildAppOptions = {}): { app: App; stack: HubfixStack } => {
  const app = new App({
    outdir,
    context: { ...cdkJsonContext(), ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  const configFile = app.node.tryGetContext('hubfixConfig') as string | undefined;
  const account = app.node.tryGetContext('account') as string | undefined;
  const region = app.node.tryGetContext('region') as string | undefined;
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  const stack = new HubfixStack(app, STACK_ID, {
    config: config ?? loadConfigFile(configFile),
    env: account || region ? { account, region } : undefined,
    description: 'hubfix: blast-radius-aware remediation of AWS Security Hub findings with email approval',
  });
  return { app, stack };
};
