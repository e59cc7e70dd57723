import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { STSClient } from '@aws-sdk/client-sts';
import { getSmithyContext } from '@smithy/core/transport';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import {
  MEMBER_ROLE_NAMES,
  memberRoleSessions,
  type AnyClient,
  type ClientCtor,
  type ClientFactory,
  type Target,
} from '../functions/platform/clients';
import { modelViolations, operationShapes, ServiceModelViolation } from './service-model';
import { SimulatedServiceError, type RoleSession, type SimulatedAws } from './simulated-aws';

export interface SimulatedClientsOptions {
  homeAccountId: string;
  homeRegion: string;
  /** DynamoDB is served by dynalite (real condition-expression semantics) at this endpoint. */
  dynamoEndpoint: string;
}

/** The function roles' own credentials in the home account. */
const homeCredentials = { accessKeyId: 'AKIASIMULATED000000', secretAccessKey: 'simulated' };

/** What the read-only hubfix-inspect role allows: the member stack grants it reads only (access advisor's job is a read in IAM). */
const READ_ONLY = /^(Get|List|Describe|Lookup|Head|GenerateServiceLastAccessedDetails$)/;

/** Refuses a write by the read-only role (when the simulation is strict about member roles), in the words of AWS. */
const authorize = (sim: SimulatedAws, session: RoleSession, service: string, command: string): void => {
  if (sim.strictMemberRoles && session.roleName === MEMBER_ROLE_NAMES.inspect && !READ_ONLY.test(command)) {
    throw new SimulatedServiceError(
      'AccessDenied',
      `User: arn:aws:sts::${session.accountId}:assumed-role/${session.roleName}/${session.sessionName} is not authorized to perform: ` +
        `${service}:${command} because no identity-based policy allows the action`,
    );
  }
};

/**
 * Real SDK v3 clients whose requests never leave the process: a middleware placed inside the SDK's retry
 * loop answers each command from the simulated organization, so SDK retries, error types and command
 * shapes are the real ones. A client for another account gets its credentials as in production: the same
 * member-role provider, calling AssumeRole on the (simulated) home STS; each call then acts as that session.
 * DynamoDB goes to dynalite over loopback.
 */
export const simulatedClientFactory = (sim: SimulatedAws, options: SimulatedClientsOptions): ClientFactory => {
  const cache = new Map<string, AnyClient>();
  const make = <C extends AnyClient>(ctor: ClientCtor<C>, target: Target, key: string, credentials?: AwsCredentialIdentityProvider): C => {
    const cached = cache.get(key);
    if (cached) return cached as C;
    const isDynamo = (ctor as unknown) === DynamoDBClient;
    const client = new (ctor as new (config: object) => C)({
      region: target.region,
      credentials: credentials ?? homeCredentials,
      ...(isDynamo ? { endpoint: options.dynamoEndpoint } : {}),
    });
    if (!isDynamo) {
      client.middlewareStack.add(
        (_next, context) => async (args) => {
          const clientName = context.clientName ?? ctor.name;
          const commandName = context.commandName ?? 'Unknown';
          let accountId = target.accountId;
          if (credentials) {
            // The call acts as whoever the credentials belong to: the assumed member-role session.
            const session = sim.sessionOf((await credentials()).accessKeyId);
            if (!session) throw new SimulatedServiceError('InvalidClientTokenId', 'The security token included in the request is invalid');
            authorize(sim, session, clientName.replace(/Client$/, '').toLowerCase(), commandName.replace(/Command$/, ''));
            accountId = session.accountId;
          }
          const shapes = operationShapes(getSmithyContext(context).operationSchema);
          if (!shapes) throw new Error(`${clientName}.${commandName} carries no operation schema: the simulation cannot check it`);
          const input = args.input as Record<string, unknown>;
          const badRequest = modelViolations(shapes.input, input);
          if (badRequest.length > 0) throw new ServiceModelViolation(commandName, 'request', badRequest);
          const output = await sim.handle(clientName, commandName, input, { accountId, region: target.region });
          const badResponse = modelViolations(shapes.output, output);
          if (badResponse.length > 0) throw new ServiceModelViolation(commandName, 'response', badResponse);
          return { output: { ...output, $metadata: {} }, response: {} };
        },
        { step: 'finalizeRequest', priority: 'low', name: 'hubfixSimulatedAws' },
      );
    }
    cache.set(key, client);
    return client;
  };
  const homeTarget = { accountId: options.homeAccountId, region: options.homeRegion };
  const home = <C extends AnyClient>(ctor: ClientCtor<C>): C =>
    make(ctor, homeTarget, `${ctor.name}|${options.homeAccountId}|${options.homeRegion}`);
  const sessionFor = memberRoleSessions({ homeAccountId: () => options.homeAccountId, sts: () => home(STSClient), now: sim.now });
  return {
    home,
    at: (ctor, target) => {
      const session = sessionFor(target);
      if (!session) return make(ctor, target, `${ctor.name}|${target.accountId}|${target.region}`);
      return make(ctor, target, `${ctor.name}|${target.region}|${session.roleArn}|${session.sessionName}`, session.credentials);
    },
  };
};
