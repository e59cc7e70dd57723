import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Approval links. The link names an approval record and carries an expiry and an HMAC over both; it
 * never carries the task token (that stays in DynamoDB). Opening the link only renders a page: the
 * signature is checked again on the POST that actually decides.
 */

const SIGNATURE_VERSION = 'v1';
/** Where the identity provider sends an approver back after sign-in, under the approval API's base URL. */
export const CALLBACK_PATH = '/auth/callback';
/** 128 random bits, base64url: 22 characters. */
const APPROVAL_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
/** HMAC-SHA256 is 32 bytes, base64url without padding: 43 characters. */
const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const EXPIRES_PATTERN = /^\d{1,12}$/;

export type SignatureCheck = { ok: true } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

export const createApprovalId = (): string => randomBytes(16).toString('base64url');

export const isApprovalId = (value: string): boolean => APPROVAL_ID_PATTERN.test(value);

/** Seconds since the epoch, as the link and the table keep expiry. */
export const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

export const signApproval = (secret: string, approvalId: string, expiresAt: number): string =>
  createHmac('sha256', secret).update(`${SIGNATURE_VERSION}|${approvalId}|${expiresAt}`).digest('base64url');

export const approvalLink = (baseUrl: string, approvalId: string, expiresAt: number, secret: string): string => {
  const base = baseUrl.replace(/\/+$/, '');
  const query = new URLSearchParams({ e: String(expiresAt), s: signApproval(secret, approvalId, expiresAt) });
  return `${base}/approvals/${encodeURIComponent(approvalId)}?${query.toString()}`;
};

/**
 * Checks a link's signature and expiry. Malformed input is rejected before any HMAC is computed; the
 * comparison is constant-time; an expired link is reported as expired only once its signature is valid,
 * so a forger learns nothing from the answer.
 */
export const verifyApprovalSignature = (
  secret: string,
  approvalId: string,
  expires: string | undefined,
  signature: string | undefined,
  now: Date,
): SignatureCheck => {
  if (!isApprovalId(approvalId) || !expires || !EXPIRES_PATTERN.test(expires) || !signature || !SIGNATURE_PATTERN.test(signature)) {
    return { ok: false, reason: 'malformed' };
  }
  const expiresAt = Number(expires);
  const expected = Buffer.from(signApproval(secret, approvalId, expiresAt), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad-signature' };
  }
  if (expiresAt <= epochSeconds(now)) return { ok: false, reason: 'expired' };
  return { ok: true };
};
