import type { Client } from '@smithy/types';

/** Any AWS SDK v3 client. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK's own Client generics are input/output unions per service
export type AnyClient = Client<any, any, any>;
export type ClientConfig = { region?: string };
export type ClientCtor<C extends AnyClient> = new (config: ClientConfig) => C;

/** Where a control acts: the finding's account and the resource's region. */
export interface Target {
  accountId: string;
  region: string;
}

/**
 * The one way hubfix gets AWS clients. Handlers receive a factory; the Lambda runtime gets the real one,
 * tests and the sandbox get one whose clients are served by the simulated account. Logic never
 * constructs a client itself.
 */
export interface ClientFactory {
  /** A client for hubfix's own resources (table, topic, state machine, Security Hub) in its home region. */
  home<C extends AnyClient>(ctor: ClientCtor<C>): C;
  /** A client that acts in the finding's account and region. */
  at<C extends AnyClient>(ctor: ClientCtor<C>, target: Target): C;
}

/** Real AWS clients, one per (service, account, region), created on first use and kept for warm starts. */
export const awsClientFactory = (homeRegion = process.env.AWS_REGION): ClientFactory => {
  const cache = new Map<string, AnyClient>();
  const get = <C extends AnyClient>(ctor: ClientCtor<C>, region: string | undefined): C => {
    const key = `${ctor.name}|${region ?? ''}`;
    let client = cache.get(key);
    if (!client) {
      client = new ctor({ region });
      cache.set(key, client);
    }
    return client as C;
  };
  return {
    home: (ctor) => get(ctor, homeRegion),
    at: (ctor, target) => get(ctor, target.region),
  };
};
