import { logger } from '../../functions/platform/logger';
import type { LocalCloud } from '../../sandbox/local-cloud';

/**
 * Every line the handlers log during each test of a suite, for asserting that no secret reaches the logs. Powertools
 * (POWERTOOLS_DEV, as in tests) writes through the global console, so the console is captured. Call at a suite's top.
 */
export const captureLogs = (): string[] => {
  const lines: string[] = [];
  beforeAll(() => {
    for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
      jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '));
      });
    }
  });
  beforeEach(() => {
    lines.length = 0;
  });
  afterAll(() => jest.restoreAllMocks());
  return lines;
};

/**
 * Makes the cloud's handlers log at DEBUG, the most they could reveal. Every invocation resets the level from the
 * environment (SILENT in tests), so it is raised where each handler reads its clock.
 */
export const logAtDebug = (cloud: LocalCloud): void => {
  const clock = cloud.runtime.now;
  cloud.runtime.now = () => {
    logger.setLogLevel('DEBUG');
    return clock();
  };
};
