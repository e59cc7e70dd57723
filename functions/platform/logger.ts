import { Logger } from '@aws-lambda-powertools/logger';

/** The one logger every handler shares. Task tokens, link signatures and secrets are never passed to it. */
export const logger = new Logger({ serviceName: 'hubfix' });
