import type { Runtime } from '../platform/runtime';
import { readSecretString } from '../platform/secrets';

/** A shorter key would make the HMAC guessable; the stack generates a long random one. */
const MIN_KEY_LENGTH = 32;

/**
 * The link-signing key (rotating it invalidates outstanding links within five minutes on a warm function). The
 * sign-in session key is derived from it. Never log it, never return it to a caller outside the approval code.
 */
export const getLinkSecret = (rt: Runtime): Promise<string> => readSecretString(rt, rt.settings.linkSecretId, MIN_KEY_LENGTH);
