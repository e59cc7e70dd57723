/**
 * Named errors. The state machine's Retry and Catch match on these names (Lambda reports `error.name`
 * as the Step Functions error), so renaming one is a change to statemachines/ too.
 */
export class HubfixError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The event or finding is not something hubfix can act on; the message says why. */
export class InvalidInputError extends HubfixError {}

/** A required environment variable or configuration value is missing or invalid. */
export class ConfigurationError extends HubfixError {}

/** The resource named by the finding no longer exists (deleted between steps, or never did). */
export class ResourceNotFoundError extends HubfixError {}

/** The remediation call failed; nothing or only part of the plan was applied (the message says which). */
export class RemediationError extends HubfixError {}

/** Re-reading the resource after remediation shows the control would still fail. */
export class VerificationFailedError extends HubfixError {}

/**
 * hubfix could not assume its member role (hubfix-inspect / hubfix-remediate) in the finding's account: the member
 * stack is missing there, or the role's trust denies the call. Nothing was done in that account.
 */
export class MemberRoleUnavailableError extends HubfixError {}

/** AWS throttled the call after the SDK's own retries; Step Functions retries the whole step with backoff. */
export class ThrottledError extends HubfixError {}

const THROTTLING_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
]);

export const isThrottling = (error: unknown): boolean => error instanceof Error && THROTTLING_NAMES.has(error.name);

/** A MemberRoleUnavailableError anywhere in the cause chain (controls wrap call failures in RemediationError). */
const memberRoleFailure = (error: unknown): MemberRoleUnavailableError | undefined => {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof MemberRoleUnavailableError) return e;
  }
  return undefined;
};

/** Whether throttling is anywhere in the cause chain: controls wrap a throttled call in RemediationError too. */
const throttledWithin = (error: unknown): boolean => {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (isThrottling(e)) return true;
  }
  return false;
};

/**
 * Maps an AWS throttling error (after SDK retries), bare or wrapped, to the name the state machine retries on; the
 * message is the outermost one (it says what was already changed). A step that could not get into the account at
 * all fails with MemberRoleUnavailableError itself, so the finding's note says exactly that.
 */
export const asStepError = (error: unknown): unknown =>
  memberRoleFailure(error) ?? (throttledWithin(error) ? new ThrottledError((error as Error).message, { cause: error }) : error);
