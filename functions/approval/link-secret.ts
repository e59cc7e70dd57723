import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigurationError } from '../platform/errors';
import type { Runtime } from '../platform/runtime';

/** Rotating the key invalidates outstanding links only after this long on a warm function. */
const SECRET_MAX_AGE_SECONDS = 300;
/** A shorter key would make the HMAC guessable; the stack generates a long random one. */
const MIN_KEY_LENGTH = 32;

// One provider (and so one cache) per client: tests and the sandbox inject their own client.
const providers = new WeakMap<SecretsManagerClient, SecretsProvider>();

/** The link-signing key. Never log it, never return it to a caller outside the approval code. */
export const getLinkSecret = async (rt: Runtime): Promise<string> => {
  const client = rt.clients.home(SecretsManagerClient);
  let provider = providers.get(client);
  if (!provider) {
    provider = new SecretsProvider({ awsSdkV3Client: client });
    providers.set(client, provider);
  }
  const value = await provider.get(rt.settings.linkSecretId, { maxAge: SECRET_MAX_AGE_SECONDS });
  const key = typeof value === 'string' ? value : value === undefined ? undefined : Buffer.from(value).toString('utf8');
  if (!key || key.length < MIN_KEY_LENGTH) {
    throw new ConfigurationError(
      `The link-signing secret ${rt.settings.linkSecretId} is missing or shorter than ${MIN_KEY_LENGTH} characters`,
    );
  }
  return key;
};
