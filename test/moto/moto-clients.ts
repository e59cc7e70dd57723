import { S3Client } from '@aws-sdk/client-s3';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { memberRoleSessions, type AnyClient, type ClientCtor, type ClientFactory, type Target } from '../../functions/platform/clients';

/** A call moto answered with "not implemented" (a 404 page, an HTML body or NotImplemented): recorded, not compared. */
export class MotoUnimplemented extends Error {
  constructor(readonly call: string) {
    super(`moto does not implement ${call}`);
    this.name = 'MotoUnimplemented';
  }
}

const isUnimplemented = (error: unknown): boolean => {
  const e = error as Error & { $metadata?: { httpStatusCode?: number }; $response?: { statusCode?: number } };
  if (e.name === 'NotImplemented' || e.name === 'NotImplementedError' || /not (yet )?implemented/i.test(e.message)) return true;
  // Its 404 page reaches the SDK's deserializer as HTML, which fails to parse as the protocol's JSON or XML.
  return /<!doctype|<html/i.test(e.message);
};

/**
 * Clients on moto that also tell which unimplemented calls were started since last asked: a control that reads a signal as
 * unseen when its call fails would otherwise turn moto's gap into a route the suite compares.
 */
export interface MotoClientFactory extends ClientFactory {
  takeUnimplemented(): string[];
}

/** Static fake credentials: moto accepts any, and acts in MOTO_ACCOUNT_ID for a key it did not issue. */
const FAKE = { accessKeyId: 'AKIAMOTOFAKEKEY00000', secretAccessKey: 'moto-fake-secret' };

/**
 * Real SDK clients pointed at moto server (endpoint override, static fake credentials), made like production's: the home
 * account's with the function's credentials, another account's through AssumeRole on the home STS (moto answers with
 * credentials that act in the role's account). S3 uses path-style addressing (no bucket subdomains on loopback);
 * S3 Control keeps the plain endpoint for the same reason (moto reads the x-amz-account-id header).
 */
export const motoClientFactory = (endpoint: string, homeAccountId: string, homeRegion: string): MotoClientFactory => {
  const cache = new Map<string, AnyClient>();
  // Calls are filed under the epoch they started in: a request still in flight when its phase failed (a parallel read)
  // lands in that phase, not in the next one.
  let epoch = 0;
  const unimplemented = new Map<number, Set<string>>();
  const make = <C extends AnyClient>(ctor: ClientCtor<C>, region: string, key: string, credentials: AwsCredentialIdentityProvider): C => {
    const cached = cache.get(key);
    if (cached) return cached as C;
    const client = new (ctor as new (config: object) => C)({
      region,
      endpoint,
      credentials,
      maxAttempts: 2,
      ...((ctor as unknown) === S3Client ? { forcePathStyle: true } : {}),
      // The endpoint rules put the account id in front of the host, which loopback cannot resolve.
      ...((ctor as unknown) === S3ControlClient ? { endpointProvider: () => ({ url: new URL(endpoint) }) } : {}),
    });
    // moto answers a call it does not implement with a 404 page (or NotImplemented): name the call instead.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const started = epoch;
        try {
          return await next(args);
        } catch (error) {
          if (isUnimplemented(error)) {
            const call = `${context.clientName}.${context.commandName}`;
            unimplemented.set(started, (unimplemented.get(started) ?? new Set<string>()).add(call));
            throw new MotoUnimplemented(call);
          }
          throw error;
        }
      },
      { step: 'initialize', name: 'motoUnimplemented' },
    );
    cache.set(key, client);
    return client;
  };
  const home = <C extends AnyClient>(ctor: ClientCtor<C>): C => make(ctor, homeRegion, `${ctor.name}|home|${homeRegion}`, async () => FAKE);
  const sessionFor = memberRoleSessions({ homeAccountId: () => homeAccountId, sts: () => home(STSClient) });
  return {
    takeUnimplemented: () => {
      const calls = [...(unimplemented.get(epoch) ?? [])].sort();
      unimplemented.clear();
      epoch += 1;
      return calls;
    },
    home,
    at: <C extends AnyClient>(ctor: ClientCtor<C>, target: Target): C => {
      const session = sessionFor(target);
      if (!session) return make(ctor, target.region, `${ctor.name}|home|${target.region}`, async () => FAKE);
      return make(ctor, target.region, `${ctor.name}|${target.region}|${session.roleArn}|${session.sessionName}`, session.credentials);
    },
  };
};
