import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Slack's request signing (v0): HMAC-SHA256 over `v0:<timestamp>:<raw body>` with the app's signing secret. Written on
 * node:crypto because Slack's maintained helper lives in @slack/bolt (an HTTP framework and its dependencies), while
 * the older @slack/events-api and @slack/interactive-messages that exported one on its own are deprecated.
 */

export const SIGNATURE_VERSION = 'v0';
/** Slack's own recommendation: refuse requests whose timestamp is more than five minutes from now. */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

const TIMESTAMP = /^\d{1,12}$/;
const SIGNATURE = /^v0=[0-9a-f]{64}$/;

/** The `X-Slack-Signature` value Slack sends for this timestamp and body. */
export const slackSignature = (signingSecret: string, timestamp: string, rawBody: string): string =>
  `${SIGNATURE_VERSION}=${createHmac('sha256', signingSecret).update(`${SIGNATURE_VERSION}:${timestamp}:${rawBody}`).digest('hex')}`;

/**
 * Checks the headers Slack signs a request with against the raw body, as received (before any decoding or parsing).
 * The timestamp is checked before the HMAC, the comparison is constant-time.
 */
export const verifySlackSignature = (
  signingSecret: string,
  timestamp: string | undefined,
  signature: string | undefined,
  rawBody: string,
  now: Date,
): SignatureCheck => {
  if (!timestamp || !signature) return { ok: false, reason: 'missing' };
  if (!TIMESTAMP.test(timestamp) || !SIGNATURE.test(signature)) return { ok: false, reason: 'malformed' };
  const seconds = Number(timestamp);
  if (Math.abs(now.getTime() / 1000 - seconds) > TIMESTAMP_TOLERANCE_SECONDS) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(slackSignature(signingSecret, timestamp, rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // Both are "v0=" and 64 hex digits (checked above), so the lengths match as timingSafeEqual requires.
  return timingSafeEqual(expected, given) ? { ok: true, timestamp: seconds } : { ok: false, reason: 'mismatch' };
};
