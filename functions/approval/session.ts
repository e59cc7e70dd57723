import { hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';
import * as z from 'zod';
import type { Runtime } from '../platform/runtime';
import type { VerifiedPerson } from './approval-store';
import { getLinkSecret } from './link-secret';

/**
 * The approval page's two cookies, both sealed with jose (JWE, dir + A256GCM) under keys derived from the link-signing
 * secret, so the browser can read or change neither:
 * - the sign-in cookie carries the PKCE verifier, state and nonce from the start of a sign-in to its callback
 *   (SameSite=Lax: the identity provider's redirect back is a cross-site navigation);
 * - the session cookie carries the person the identity provider verified and the CSRF token of the decision form
 *   (SameSite=Strict, short-lived).
 * Both are HttpOnly and Secure, named __Host- (no Domain, Path=/).
 */

export const SESSION_COOKIE = '__Host-hubfix-session';
export const SIGN_IN_COOKIE = '__Host-hubfix-sign-in';
const SIGN_IN_MINUTES = 10;

const SESSION_PURPOSE = 'hubfix approval session v1';
const SIGN_IN_PURPOSE = 'hubfix approval sign-in v1';

const keyFor = async (rt: Runtime, purpose: string): Promise<Uint8Array> =>
  new Uint8Array(hkdfSync('sha256', await getLinkSecret(rt), Buffer.alloc(0), purpose, 32));

const seal = async (rt: Runtime, purpose: string, claims: Record<string, unknown>, minutes: number): Promise<string> => {
  const now = Math.floor(rt.now().getTime() / 1000);
  return new EncryptJWT(claims)
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setAudience(purpose)
    .setIssuedAt(now)
    .setExpirationTime(now + minutes * 60)
    .encrypt(await keyFor(rt, purpose));
};

/** The sealed claims, or undefined for anything else: absent, expired, tampered with, forged, another purpose's cookie. */
const open = async (rt: Runtime, purpose: string, sealed: string | undefined): Promise<Record<string, unknown> | undefined> => {
  if (!sealed || sealed.length > 4096) return undefined;
  try {
    const { payload } = await jwtDecrypt(sealed, await keyFor(rt, purpose), {
      audience: purpose,
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
      currentDate: rt.now(),
      requiredClaims: ['exp', 'iat'],
    });
    return payload;
  } catch {
    return undefined;
  }
};

const sessionSchema = z.object({
  person: z.object({
    issuer: z.string().min(1),
    subject: z.string().min(1),
    email: z.string().optional(),
    name: z.string().optional(),
    username: z.string().optional(),
    groups: z.array(z.string()),
  }),
  csrf: z.string().min(32),
});

export interface Session {
  person: VerifiedPerson;
  /** The decision form's CSRF token: the POST must carry it. */
  csrf: string;
}

const signInSchema = z.object({
  verifier: z.string().min(43),
  state: z.string().min(1),
  nonce: z.string().min(1),
  approvalId: z.string(),
  expires: z.string(),
  signature: z.string(),
});

/** What a sign-in must remember until the identity provider sends the person back. */
export type PendingSignIn = z.infer<typeof signInSchema>;

const cookie = (name: string, value: string, sameSite: 'Strict' | 'Lax', maxAgeSeconds: number): string =>
  `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=${sameSite}`;

export const clearedCookie = (name: string): string => cookie(name, '', name === SESSION_COOKIE ? 'Strict' : 'Lax', 0);

export const createSession = async (rt: Runtime, person: VerifiedPerson): Promise<{ session: Session; setCookie: string }> => {
  const session: Session = { person: { ...person, channel: 'web' }, csrf: randomBytes(32).toString('base64url') };
  const { channel, ...stored } = session.person;
  void channel;
  const minutes = rt.config.approvalAuth.sessionMinutes;
  const sealed = await seal(rt, SESSION_PURPOSE, { person: stored, csrf: session.csrf }, minutes);
  return { session, setCookie: cookie(SESSION_COOKIE, sealed, 'Strict', minutes * 60) };
};

export const readSession = async (rt: Runtime, cookies: Record<string, string>): Promise<Session | undefined> => {
  const parsed = sessionSchema.safeParse(await open(rt, SESSION_PURPOSE, cookies[SESSION_COOKIE]));
  return parsed.success ? { person: { ...parsed.data.person, channel: 'web' }, csrf: parsed.data.csrf } : undefined;
};

export const signInCookie = async (rt: Runtime, pending: PendingSignIn): Promise<string> =>
  cookie(SIGN_IN_COOKIE, await seal(rt, SIGN_IN_PURPOSE, pending, SIGN_IN_MINUTES), 'Lax', SIGN_IN_MINUTES * 60);

export const readSignIn = async (rt: Runtime, cookies: Record<string, string>): Promise<PendingSignIn | undefined> => {
  const parsed = signInSchema.safeParse(await open(rt, SIGN_IN_PURPOSE, cookies[SIGN_IN_COOKIE]));
  return parsed.success ? parsed.data : undefined;
};

/** Constant-time comparison of the form's CSRF token with the session's. */
export const csrfMatches = (session: Session, given: string | undefined): boolean => {
  if (!given) return false;
  const a = Buffer.from(session.csrf, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
};

/** The request's cookies by name (the first of a repeated name wins; values are opaque). */
export const cookiesOf = (header: string | undefined): Record<string, string> => {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const name = part.slice(0, at).trim();
    if (!(name in cookies)) cookies[name] = part.slice(at + 1).trim();
  }
  return cookies;
};
