import type * as OpenId from 'openid-client';
import { HubfixError } from '../platform/errors';
import type { Runtime } from '../platform/runtime';
import type { VerifiedPerson } from './approval-store';
import { CALLBACK_PATH } from './approval-link';
import { readSecretString } from '../platform/secrets';
import type { PendingSignIn } from './session';

/**
 * OpenID Connect sign-in for the approval page: authorization code flow with PKCE (S256), state and nonce, through
 * openid-client. The ID token's signature (JWKS of the issuer), issuer, audience, expiry and nonce are checked by the
 * library, never by hand; only then do its claims become a person.
 */

/** The identity provider refused the sign-in, or its answer did not pass the checks. The message is safe to log. */
export class SignInError extends HubfixError {}

const MIN_CLIENT_SECRET_LENGTH = 16;

/** Plain http is accepted for an issuer on this machine only (the sandbox's identity provider). */
const isLoopback = (url: URL): boolean => url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

/** The protocol library is loaded by the sign-in routes alone: showing a page or casting a vote never pays for it. */
const openId = (): Promise<typeof OpenId> => import('openid-client');

const configurations = new Map<string, Promise<OpenId.Configuration>>();

const configurationFor = async (rt: Runtime): Promise<OpenId.Configuration> => {
  const { authIssuer, authClientId, authClientSecretId } = rt.settings;
  const secret = await readSecretString(rt, authClientSecretId, MIN_CLIENT_SECRET_LENGTH);
  const key = `${authIssuer} ${authClientId} ${secret}`;
  const oidc = await openId();
  let configuration = configurations.get(key);
  if (!configuration) {
    const issuer = new URL(authIssuer);
    configuration = oidc
      .discovery(issuer, authClientId, secret, oidc.ClientSecretBasic(secret), {
        execute: isLoopback(issuer) ? [oidc.allowInsecureRequests] : [],
        timeout: 10,
      })
      .then((config) => {
        // Check the ID token's signature against the issuer's keys as well (the library skips it by default for a
        // token received over TLS from the token endpoint): a forged or `alg: none` token never becomes a person.
        oidc.enableNonRepudiationChecks(config);
        return config;
      });
    configuration.catch(() => configurations.delete(key));
    configurations.set(key, configuration);
  }
  return configuration;
};

export const callbackUrl = (rt: Runtime): string => `${rt.settings.approvalBaseUrl.replace(/\/+$/, '')}${CALLBACK_PATH}`;

/** The identity provider's sign-in URL and what the callback must check, for one approval link. */
export const startSignIn = async (
  rt: Runtime,
  link: Pick<PendingSignIn, 'approvalId' | 'expires' | 'signature'>,
): Promise<{ url: URL; pending: PendingSignIn }> => {
  const [config, oidc] = await Promise.all([configurationFor(rt), openId()]);
  const verifier = oidc.randomPKCECodeVerifier();
  const pending: PendingSignIn = { ...link, verifier, state: oidc.randomState(), nonce: oidc.randomNonce() };
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: callbackUrl(rt),
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: pending.state,
    nonce: pending.nonce,
  });
  return { url, pending };
};

const text = (value: unknown, limit: number): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, limit) : undefined;

/**
 * The groups claim as a list of names. Cognito groups and Okta send an array; some providers one space-separated string;
 * Cognito's `custom:groups` of a federated person holds a multi-valued SAML attribute as one string `[a, b]`.
 */
export const groupsOf = (value: unknown): string[] => {
  const bracketed = typeof value === 'string' ? /^\[(.*)\]$/s.exec(value.trim()) : null;
  const list = Array.isArray(value)
    ? value
    : bracketed
      ? bracketed[1].split(',').map((group) => group.trim())
      : typeof value === 'string'
        ? value.split(/\s+/)
        : [];
  return list.filter((group): group is string => typeof group === 'string' && group !== '' && group.length <= 256).slice(0, 200);
};

/** Exchanges the code (with the PKCE verifier) and turns the verified ID token into a person. */
export const finishSignIn = async (rt: Runtime, callback: URL, pending: PendingSignIn): Promise<VerifiedPerson> => {
  const [config, oidc] = await Promise.all([configurationFor(rt), openId()]);
  let claims: OpenId.IDToken | undefined;
  try {
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    claims = tokens.claims();
  } catch (error) {
    // The library's error names the failed check; it never carries the token (and neither does this message).
    const code = error instanceof oidc.ClientError || error instanceof oidc.AuthorizationResponseError ? ` (${error.code})` : '';
    throw new SignInError(`Sign-in refused: ${error instanceof Error ? error.message : 'unknown error'}${code}`);
  }
  if (!claims) throw new SignInError('Sign-in refused: the identity provider returned no ID token');
  const emailVerified = claims.email_verified !== false;
  return {
    issuer: claims.iss,
    subject: claims.sub,
    email: emailVerified ? text(claims.email, 320) : undefined,
    name: text(claims.name, 200) ?? text(claims.preferred_username, 200),
    username: text(claims.preferred_username, 200),
    groups: groupsOf(claims[rt.config.approvalAuth.groupsClaim]),
    channel: 'web',
  };
};
