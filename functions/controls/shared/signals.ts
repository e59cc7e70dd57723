import { isThrottling } from '../../platform/errors';
import type { Evidence } from '../../findings/types';

/**
 * A usage signal read during an assessment. A read AWS refused (access denied, the service or action not available in the
 * region or account) or kept throttling after the SDK's retries did not show that nothing uses the resource: it becomes an
 * `unseen` evidence line, which makes the risk unknown (functions/workflow/routing.ts). Any other error propagates.
 */
export type SignalRead<T> = { seen: true; value: T } | { seen: false; evidence: Evidence };

/** AWS's names for "you may not read this" and "this is not available here". */
const UNREADABLE = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedException',
  'AuthorizationError',
  'OptInRequired',
  'UnsupportedOperation',
  'InvalidAction',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalError',
  'InternalFailure',
]);

/** True when `error` says the signal could not be read (as opposed to a bug or a resource that is gone). */
export const isUnreadable = (error: unknown): boolean =>
  error instanceof Error && (UNREADABLE.has(error.name) || isThrottling(error) || (error as { $fault?: string }).$fault === 'server');

export interface SignalWhere {
  /** What the read would have told, e.g. "network interfaces using sg-1". */
  what: string;
  /** The API call(s). */
  source: string;
  where?: string;
  window?: string;
}

/** The evidence line of a signal that could not be read. */
export const unseenEvidence = (signal: SignalWhere, error: unknown): Evidence => {
  const name = error instanceof Error ? error.name : 'Error';
  return {
    fact: `Could not read ${signal.what} (${name}): that usage is not seen, so the blast radius is unknown.`,
    source: signal.source,
    ...(signal.where ? { where: signal.where } : {}),
    ...(signal.window ? { window: signal.window } : {}),
    unseen: true,
  };
};

/** Runs `read`; an unreadable signal becomes an unseen evidence line instead of failing the assessment. */
export const readSignal = async <T>(signal: SignalWhere, read: () => Promise<T>): Promise<SignalRead<T>> => {
  try {
    return { seen: true, value: await read() };
  } catch (error) {
    if (!isUnreadable(error)) throw error;
    return { seen: false, evidence: unseenEvidence(signal, error) };
  }
};

/** "123456789012 us-east-1": where an account- and region-scoped read was made. */
export const inRegion = (accountId: string, region: string): string => `account ${accountId}, ${region}`;

/** The window of a read of present configuration (who uses a resource now), as opposed to a history. */
export const NOW = 'current configuration at assessment time';
