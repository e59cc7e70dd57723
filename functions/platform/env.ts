import { ConfigurationError } from './errors';

/** Reads a required environment variable; fails at cold start, not halfway through a remediation. */
export const requireEnv = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new ConfigurationError(`Environment variable ${name} is required but not set`);
  }
  return value;
};
