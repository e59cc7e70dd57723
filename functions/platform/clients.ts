import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Client } from '@smithy/types';
import { requireEnv } from './env';
import { isThrottling, MemberRoleUnavailableError } from './errors';

/** Any AWS SDK v3 client. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK's own Client generics are input/output unions per service
export type AnyClient = Client<any, any, any>;
export type ClientConfig = { region?: string; credentials?: AwsCredentialIdentityProvider };
export type ClientCtor<C extends AnyClient> = new (config: ClientConfig) => C;

/**
 * Which member role acts in another account: the read-only one (assess, verify), the write one (remediate, rollback),
 * or control hygiene's, which may only read and update Security Hub control associations.
 */
export type Access = 'inspect' | 'remediate' | 'hygiene';

/** Where a control acts: the finding's account and the resource's region. */
export interface Target {
  accountId: string;
  region: string;
  /** The member role used when accountId is not hubfix's own account; 'inspect' when absent. */
  access?: Access;
  /** The AssumeRole session name (what CloudTrail in the member account shows): names the execution acting. */
  sessionName?: string;
}

/**
 * The one way hubfix gets AWS clients. Handlers receive a factory; the Lambda runtime gets the real one,
 * tests and the sandbox get one whose clients are served by the simulated organization. Logic never
 * constructs a client itself.
 */
export interface ClientFactory {
  /** A client for hubfix's own resources (table, topic, state machine, Security Hub) in its home region. */
  home<C extends AnyClient>(ctor: ClientCtor<C>): C;
  /** A client that acts in the finding's account and region (through the member role when it is another account). */
  at<C extends AnyClient>(ctor: ClientCtor<C>, target: Target): C;
}

/** The roles the member stack (infra/member-stack.ts) creates in every account of the organization. */
export const MEMBER_ROLE_NAMES: Readonly<Record<Access, string>> = {
  inspect: 'hubfix-inspect',
  remediate: 'hubfix-remediate',
  hygiene: 'hubfix-hygiene',
};

/** The administrator account hubfix runs in; the stack sets it on the functions that act in accounts. */
export const HOME_ACCOUNT_ENV = 'HUBFIX_HOME_ACCOUNT_ID';

export const partitionOf = (region: string): string =>
  region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';

export const memberRoleArn = (accountId: string, access: Access, region: string): string =>
  `arn:${partitionOf(region)}:iam::${accountId}:role/${MEMBER_ROLE_NAMES[access]}`;

/** A RoleSessionName (2-64 characters of [\w+=,.@-]) naming the run, e.g. "hubfix-IAM-3-remediate-0f6c…". */
export const sessionNameFor = (run: string): string => `hubfix-${run.replace(/[^\w+=,.@-]/g, '-')}`.slice(0, 64);

/** Session name when a caller names no run (a client made outside a workflow step). */
const DEFAULT_SESSION = 'hubfix';
/** Assumed credentials are replaced this long before they expire, so no call is signed with nearly-dead ones. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/** Credentials of one member-role session, with what identifies them (the client cache keys on it). */
export interface MemberSession {
  roleArn: string;
  sessionName: string;
  credentials: AwsCredentialIdentityProvider;
}

export interface MemberRoleOptions {
  homeAccountId: () => string;
  /** The home account's STS client: the function's own role is what the member roles trust. */
  sts: () => STSClient | Promise<STSClient>;
  now?: () => Date;
}

interface SessionEntry {
  credentials: Promise<AwsCredentialIdentity>;
  /** Set once STS has answered. */
  expiresAt?: number;
}

/** An AssumeRole refusal (missing role, trust or organization condition not met) as the error Annotate explains. */
const assumeRoleFailure = (error: unknown, accountId: string, roleName: string): unknown => {
  const e = error as Error & { $fault?: string };
  if (isThrottling(e) || e.$fault !== 'client') return error;
  return new MemberRoleUnavailableError(
    `hubfix cannot act in account ${accountId}: role ${roleName} could not be assumed (${e.name}: ${e.message}). Deploy the hubfix ` +
      `member stack there`,
    { cause: error },
  );
};

/**
 * Member-role credentials for a target in another account (undefined for the home account: the function's own role
 * acts there). One AssumeRole per role and session, shared by every service and region, kept until shortly before expiry.
 */
export const memberRoleSessions = ({ homeAccountId, sts, now = () => new Date() }: MemberRoleOptions) => {
  const sessions = new Map<string, SessionEntry>();
  const usable = (expiresAt: number | undefined): boolean => expiresAt === undefined || expiresAt - now().getTime() > REFRESH_MARGIN_MS;

  const assume = (key: string, roleArn: string, sessionName: string, accountId: string, access: Access): Promise<AwsCredentialIdentity> => {
    for (const [k, s] of sessions) if (s.expiresAt !== undefined && !usable(s.expiresAt)) sessions.delete(k);
    const entry = {} as SessionEntry; // filled on the next line: the request refers to its own entry
    entry.credentials = (async () => {
      try {
        const { AssumeRoleCommand } = await import('@aws-sdk/client-sts');
        const { Credentials } = await (await sts()).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName }));
        if (!Credentials?.AccessKeyId || !Credentials.SecretAccessKey) throw new Error(`STS returned no credentials for ${roleArn}`);
        entry.expiresAt = Credentials.Expiration?.getTime() ?? now().getTime() + 3600_000;
        return {
          accessKeyId: Credentials.AccessKeyId,
          secretAccessKey: Credentials.SecretAccessKey,
          sessionToken: Credentials.SessionToken,
          expiration: Credentials.Expiration,
        };
      } catch (error) {
        // A failed attempt is not remembered: the next call (a Step Functions retry) asks STS again.
        if (sessions.get(key) === entry) sessions.delete(key);
        throw assumeRoleFailure(error, accountId, MEMBER_ROLE_NAMES[access]);
      }
    })();
    sessions.set(key, entry);
    return entry.credentials;
  };

  return (target: Target): MemberSession | undefined => {
    if (target.accountId === homeAccountId()) return undefined;
    const access = target.access ?? 'inspect';
    const roleArn = memberRoleArn(target.accountId, access, target.region);
    const sessionName = target.sessionName ?? DEFAULT_SESSION;
    const key = `${roleArn}|${sessionName}`;
    const credentials: AwsCredentialIdentityProvider = () => {
      const current = sessions.get(key);
      return current && usable(current.expiresAt) ? current.credentials : assume(key, roleArn, sessionName, target.accountId, access);
    };
    return { roleArn, sessionName, credentials };
  };
};

/** Target clients (one per service, region and session) are dropped, least recently used first, beyond this many per container. */
const MAX_TARGET_CLIENTS = 64;

export interface AwsClientFactoryOptions {
  homeRegion?: string;
  /** Read from HUBFIX_HOME_ACCOUNT_ID when omitted, on the first call that targets an account. */
  homeAccountId?: string;
}

/**
 * Real AWS clients, created on first use and kept for warm starts: the home account's with the function's own
 * role, another account's through its hubfix member role (hubfix-inspect, or hubfix-remediate for access 'remediate'),
 * always in the target's region.
 */
export const awsClientFactory = ({ homeRegion = process.env.AWS_REGION, homeAccountId }: AwsClientFactoryOptions = {}): ClientFactory => {
  const homeClients = new Map<string, AnyClient>();
  const targetClients = new Map<string, AnyClient>();
  const home = <C extends AnyClient>(ctor: ClientCtor<C>): C => {
    let client = homeClients.get(ctor.name);
    if (!client) homeClients.set(ctor.name, (client = new ctor({ region: homeRegion })));
    return client as C;
  };
  // STS is loaded with the first member-role session: a run in hubfix's own account never loads it.
  const sts = async () => home((await import('@aws-sdk/client-sts')).STSClient);
  const sessionFor = memberRoleSessions({ homeAccountId: () => homeAccountId ?? requireEnv(HOME_ACCOUNT_ENV), sts });
  const at = <C extends AnyClient>(ctor: ClientCtor<C>, target: Target): C => {
    const session = sessionFor(target);
    const key = `${ctor.name}|${target.region}|${session ? `${session.roleArn}|${session.sessionName}` : 'home'}`;
    let client = targetClients.get(key);
    if (client)
      targetClients.delete(key); // re-inserted below: Map order is the recency order
    else client = new ctor({ region: target.region, ...(session ? { credentials: session.credentials } : {}) });
    targetClients.set(key, client);
    for (const [oldKey, old] of targetClients) {
      if (targetClients.size <= MAX_TARGET_CLIENTS) break;
      targetClients.delete(oldKey);
      old.destroy();
    }
    return client as C;
  };
  return { home, at };
};

const withTarget = (clients: ClientFactory, extra: Pick<Target, 'access' | 'sessionName'>): ClientFactory => ({
  home: (ctor) => clients.home(ctor),
  at: (ctor, target) => clients.at(ctor, { ...target, ...extra }),
});

/** The factory a step that changes resources (remediate, rollback) hands its control: every `at` uses the remediate role. */
export const withAccess = (clients: ClientFactory, access: Access): ClientFactory => withTarget(clients, { access });

/** The factory of one workflow run: member-role sessions carry its name. */
export const withSession = (clients: ClientFactory, sessionName: string): ClientFactory => withTarget(clients, { sessionName });
