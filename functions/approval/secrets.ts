import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigurationError } from '../platform/errors';
import type { Runtime } from '../platform/runtime';

/** A rotated secret reaches a warm function after this long. */
const SECRET_MAX_AGE_SECONDS = 300;

// One provider (and so one cache) per client: tests and the sandbox inject their own client.
const providers = new WeakMap<SecretsManagerClient, SecretsProvider>();

/** A string secret from Secrets Manager, cached briefly. Never log it, never return it to a caller outside the approval code. */
export const readSecret = async (rt: Runtime, secretId: string, minLength: number): Promise<string> => {
  const client = rt.clients.home(SecretsManagerClient);
  let provider = providers.get(client);
  if (!provider) {
    provider = new SecretsProvider({ awsSdkV3Client: client });
    providers.set(client, provider);
  }
  const value = await provider.get(secretId, { maxAge: SECRET_MAX_AGE_SECONDS });
  const secret = typeof value === 'string' ? value : value === undefined ? undefined : Buffer.from(value).toString('utf8');
  if (!secret || secret.length < minLength) {
    throw new ConfigurationError(`The secret ${secretId} is missing or shorter than ${minLength} characters`);
  }
  return secret;
};
