import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { Command } from 'commander';
import { memberRoleSessions, type AnyClient, type ClientCtor, type ClientFactory } from '../functions/platform/clients';
import { STACK_ID } from '../infra/build-app';

/**
 * How the operator's commands reach a deployed hubfix: the AWS SDK's default credential chain (environment, SSO,
 * ~/.aws/config and credentials, instance role), from `--profile` when one is named (the SDK's fromIni), in `--region`
 * or the profile's region; the stack's resource names from its CloudFormation outputs.
 */

export interface AwsOptions {
  profile?: string;
  region?: string;
  /** The hubfix stack's name (default Hubfix). */
  stack?: string;
}

/** Adds `--profile`, `--region` and `--stack` to a command. */
export const withAwsOptions = (command: Command): Command =>
  command
    .option('--profile <name>', 'AWS profile to use (~/.aws/config); default: the SDK default credential chain')
    .option('--region <region>', 'region of the hubfix deployment (default: the profile or AWS_REGION)')
    .option('--stack <name>', `name of the hubfix stack (default ${STACK_ID})`);

/** Whether a command was pointed at a deployment rather than at the sandbox. */
export const targetsDeployment = (options: AwsOptions): boolean =>
  options.profile !== undefined || options.region !== undefined || options.stack !== undefined;

/** Client settings from the options: the profile and region when given, the SDK defaults otherwise. */
export const clientSettings = (options: AwsOptions, region = options.region): { region?: string; profile?: string } => ({
  ...(region ? { region } : {}),
  ...(options.profile ? { profile: options.profile } : {}),
});

/** Every item of a paginated list call: `page` fetches one page from its token. */
export const allPages = async <T>(page: (token?: string) => Promise<{ items?: T[]; next?: string }>): Promise<T[]> => {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const current = await page(token);
    items.push(...(current.items ?? []));
    token = current.next;
  } while (token);
  return items;
};

/** What CloudFormation says about the deployed stack. */
export interface Deployment {
  stackName: string;
  status: string;
  accountId: string;
  region: string;
  partition: string;
  outputs: Record<string, string>;
}

export class DeploymentNotFoundError extends Error {
  override name = 'DeploymentNotFoundError';
}

/** The stack, its account and region (from its id) and its outputs. */
export const readDeployment = async (cfn: CloudFormationClient, stackName = STACK_ID): Promise<Deployment> => {
  let stack;
  try {
    stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (error) {
    if ((error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message))
      throw new DeploymentNotFoundError(`stack ${stackName} does not exist`, { cause: error });
    throw error;
  }
  if (!stack?.StackId) throw new DeploymentNotFoundError(`stack ${stackName} does not exist`);
  // arn:aws:cloudformation:us-east-1:111111111111:stack/Hubfix/1a2b…
  const [, partition, , region, accountId] = stack.StackId.split(':');
  const outputs = Object.fromEntries(
    (stack.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])),
  );
  return { stackName, status: String(stack.StackStatus), accountId, region, partition, outputs };
};

/** One stack output; a missing one means the stack predates it. */
export const outputOf = (deployment: Deployment, key: string): string => {
  const value = deployment.outputs[key];
  if (!value) throw new Error(`stack ${deployment.stackName} has no output ${key}: deploy this version of hubfix (npx cdk deploy)`);
  return value;
};

/** Credentials of `roleArn`, assumed with the caller's own (role chaining), renewed when they near expiry. */
export const assumedRoleCredentials = (sts: STSClient, roleArn: string, sessionName: string): AwsCredentialIdentityProvider => {
  let current: Promise<AwsCredentialIdentity> | undefined;
  let expiresAt = 0;
  return () => {
    if (!current || expiresAt - Date.now() < 60_000) {
      current = sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName })).then(({ Credentials: c }) => {
        if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`STS returned no credentials for ${roleArn}`);
        expiresAt = c.Expiration?.getTime() ?? Date.now() + 3600_000;
        return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
      });
      current.catch(() => {
        current = undefined; // the next call asks STS again
      });
    }
    return current;
  };
};

/** Calls that only read: what an inspect role may make. */
const READ_ONLY_COMMAND = /^(Get|List|Describe|Head|BatchGet|LookupEvents|AssumeRole)\w*Command$/;

/** A command that would change something, refused before it is signed. */
export class ReadOnlyViolationError extends Error {
  override name = 'ReadOnlyViolationError';
}

/** Refuses every command that is not a read, whatever the credentials would allow (plan and audit change nothing). */
const readOnly = <C extends AnyClient>(client: C): C => {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName);
      if (!READ_ONLY_COMMAND.test(command))
        throw new ReadOnlyViolationError(`${String(context.clientName)}.${command} refused: this command only reads`);
      return next(args);
    },
    { step: 'initialize', name: 'hubfixReadOnly' },
  );
  return client;
};

export interface OperatorFactoryOptions {
  homeAccountId: string;
  homeRegion: string;
  profile?: string;
  /** The credentials hubfix's own account is read with (an assumed inspect role); the profile's own when absent. */
  credentials?: AwsCredentialIdentityProvider;
}

/**
 * hubfix's client factory for the operator's read-only commands: the home account with the given credentials, other
 * accounts through their `hubfix-inspect` member role (the same sessions the Lambda functions use), every client
 * refusing anything but a read.
 */
export const readOnlyClientFactory = (options: OperatorFactoryOptions): ClientFactory => {
  const make = <C extends AnyClient>(ctor: ClientCtor<C>, region: string, credentials = options.credentials): C =>
    readOnly(
      new (ctor as unknown as new (config: object) => C)({ region, ...(credentials ? { credentials } : { profile: options.profile }) }),
    );
  const sts = make(STSClient, options.homeRegion);
  const sessionFor = memberRoleSessions({ homeAccountId: () => options.homeAccountId, sts: () => sts });
  return {
    home: (ctor) => make(ctor, options.homeRegion),
    at: (ctor, target) => {
      const session = sessionFor({ ...target, access: 'inspect', sessionName: 'hubfix-cli' });
      return session ? make(ctor, target.region, session.credentials) : make(ctor, target.region);
    },
  };
};
