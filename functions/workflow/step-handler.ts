import { createHash } from 'node:crypto';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { sessionNameFor, withSession } from '../platform/clients';
import { asStepError } from '../platform/errors';
import { executionName } from './execution-name';
import { logger } from '../platform/logger';
import type { Runtime } from '../platform/runtime';
import type { FindingRef, RequestedAction } from '../findings/types';

type FindingTag = Pick<FindingRef, 'id' | 'controlId'> & Partial<FindingRef>;
type StepInput = { finding?: FindingTag; action?: RequestedAction; workflow?: { finding?: FindingTag; action?: RequestedAction } };

/**
 * The execution's name as intake gave it (deterministic from finding and action), so member accounts' CloudTrail
 * names the run; a hash of the finding id when the input lacks what the name is made of.
 */
const runOf = (input: StepInput, finding: FindingTag): string => {
  const action = input.action ?? input.workflow?.action;
  if (finding.updatedAt !== undefined && action !== undefined) return executionName({ finding: finding as FindingRef, action });
  return `finding-${createHash('sha256').update(finding.id).digest('hex').slice(0, 40)}`;
};

const forRun = (rt: Runtime, input: StepInput): Runtime => {
  const finding = input.finding ?? input.workflow?.finding;
  return finding ? { ...rt, clients: withSession(rt.clients, sessionNameFor(runOf(input, finding))) } : rt;
};

/**
 * Wraps a step of either workflow as a Lambda handler: middy + the shared logger, and AWS throttling mapped to
 * ThrottledError so the state machine's Retry backs off instead of failing. A remediation step (its input names a
 * finding) also gets the finding id in its log lines and member-role sessions named after the execution; a control-hygiene
 * step names no finding and acts as it is.
 */
export const stepHandler = <I, O>(runtime: () => Runtime, step: (input: I, rt: Runtime) => Promise<O>) =>
  middy(async (input: I, _context: Context): Promise<O> => {
    const tagged = (input ?? {}) as StepInput;
    const finding = tagged.finding ?? tagged.workflow?.finding;
    if (finding) logger.appendKeys({ findingId: finding.id, controlId: finding.controlId });
    try {
      return await step(input, forRun(runtime(), tagged));
    } catch (error) {
      logger.error('Step failed', { error: error as Error });
      throw asStepError(error);
    }
  }).use(injectLambdaContext(logger, { clearState: true }));
