import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AnyClient, ClientCtor, ClientFactory, Target } from '../functions/commons/clients';
import type { SimulatedAws } from './simulated-aws';

export interface SimulatedClientsOptions {
  homeAccountId: string;
  homeRegion: string;
  /** DynamoDB is served by dynalite (real condition-expression semantics) at this endpoint. */
  dynamoEndpoint: string;
}

const credentials = { accessKeyId: 'AKIASIMULATED000000', secretAccessKey: 'simulated' };

/**
 * Real SDK v3 clients whose requests never leave the process: a middleware placed inside the SDK's retry
 * loop answers each command from the simulated account, so SDK retries, error types and command
 * shapes are the real ones. DynamoDB goes to dynalite over loopback.
 */
export const simulatedClientFactory = (sim: SimulatedAws, options: SimulatedClientsOptions): ClientFactory => {
  const cache = new Map<string, AnyClient>();
  const make = <C extends AnyClient>(ctor: ClientCtor<C>, target: Target): C => {
    const key = `${ctor.name}|${target.accountId}|${target.region}`;
    const cached = cache.get(key);
    if (cached) return cached as C;
    const isDynamo = (ctor as unknown) === DynamoDBClient;
    const client = new (ctor as new (config: object) => C)({
      region: target.region,
      credentials,
      ...(isDynamo ? { endpoint: options.dynamoEndpoint } : {}),
    });
    if (!isDynamo) {
      client.middlewareStack.add(
        (_next, context) => async (args) => {
          const output = await sim.handle(context.clientName ?? ctor.name, context.commandName ?? 'Unknown', args.input as Record<string, unknown>, target);
          return { output: { ...output, $metadata: {} }, response: {} };
        },
        { step: 'finalizeRequest', priority: 'low', name: 'hubfixSimulatedAws' },
      );
    }
    cache.set(key, client);
    return client;
  };
  return {
    home: (ctor) => make(ctor, { accountId: options.homeAccountId, region: options.homeRegion }),
    at: (ctor, target) => make(ctor, target),
  };
};
