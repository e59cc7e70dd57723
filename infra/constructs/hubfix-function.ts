import * as path from 'node:path';
import { RemovalPolicy, type Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { HubfixConfig } from '../../functions/platform/config';
import { acknowledgeFunction } from '../nag-acknowledgements';

/** The repository root: entries, the lock file and the ASL are found from here. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface HubfixFunctionProps {
  /** Handler file under functions/, e.g. "intake.ts"; it exports `handler`. */
  entry: string;
  description: string;
  /** Shared by functions with the same privileges (assess and verify share the inspect role). */
  role: iam.IRole;
  timeout: Duration;
  /** The whole configuration; approver emails are left out of the function's environment. */
  config: HubfixConfig;
  /** Names as functions/platform/runtime.ts SETTINGS_ENV spells them; only what this function reads. */
  environment?: Record<string, string>;
}

/** The configuration a function receives: everything but the approvers' addresses, which only SNS needs. */
export const functionConfig = ({ approvers, ...rest }: HubfixConfig): Omit<HubfixConfig, 'approvers'> => {
  void approvers;
  return rest;
};

/**
 * hubfix's defaults for every function: Node.js 22 on ARM64, X-Ray, its own log group with retention
 * (writable by the given role only), esbuild bundling with source maps, Powertools service name.
 */
export class HubfixFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: HubfixFunctionProps) {
    // The log group sits beside the function (not inside it) because it must exist before super().
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: logs.RetentionDays.ONE_YEAR });
    super(scope, id, {
      entry: path.join(REPO_ROOT, 'functions', props.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: props.timeout,
      tracing: lambda.Tracing.ACTIVE,
      role: props.role,
      logGroup,
      // A state machine names the version published with its deployment (infra/pinned-tasks.ts); a run waiting across
      // later deployments still invokes it, so replaced versions are kept, not deleted (CDK's default).
      currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN },
      environment: {
        POWERTOOLS_SERVICE_NAME: 'hubfix',
        NODE_OPTIONS: '--enable-source-maps',
        HUBFIX_CONFIG: JSON.stringify(functionConfig(props.config)),
        ...props.environment,
      },
      bundling: {
        minify: true,
        sourceMap: true,
        target: 'node22',
        // The Node.js 22 runtime ships AWS SDK v3; everything else (middy, Powertools, zod) is bundled.
        externalModules: ['@aws-sdk/*'],
        // Local esbuild (a dev dependency) only: never fall back to a Docker build.
        forceDockerBundling: false,
      },
    });
    acknowledgeFunction(this);
    // A role given to the function gets no managed policy: grant writes to this log group alone.
    logGroup.grantWrite(props.role);
  }
}

/** A role for hubfix functions: one per privilege set (a fixed name only where member roles trust it by name). */
export const functionRole = (scope: Construct, id: string, description: string, roleName?: string): iam.Role =>
  new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description, roleName });
