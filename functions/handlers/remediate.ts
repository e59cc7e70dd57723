import { withAccess } from '../platform/clients';
import { InvalidInputError } from '../platform/errors';
import { logger } from '../platform/logger';
import { pluginOf } from '../workflow/plugin-step';
import { awsRuntime, type Runtime } from '../platform/runtime';
import { stepHandler } from '../workflow/step-handler';
import type { ChangeRecord, WorkflowState } from '../findings/types';
import { changeToUndo } from '../workflow/undo';

/** Remediate: applies exactly the plan the assessment produced (and the approver saw). */
export const createRemediateHandler = (runtime: () => Runtime) =>
  stepHandler(runtime, async (state: WorkflowState, rt): Promise<ChangeRecord> => {
    const plan = state.assessment?.plan;
    if (!plan) throw new InvalidInputError('Remediate was reached without a plan');
    // The approver saw, and Assess read, one canonical resource: never change another.
    if (plan.target !== state.finding.resource.canonicalId) {
      throw new InvalidInputError(
        `The plan was made for ${plan.target ?? 'no named resource'}, not for ${state.finding.resource.canonicalId}: nothing was changed`,
      );
    }
    const plugin = await pluginOf(state.finding);
    // The one step that changes resources: in member accounts it acts through hubfix-remediate (remediate and rollback alike).
    const ctx = { clients: withAccess(rt.clients, 'remediate'), config: rt.config, now: rt.now };
    const change =
      state.action === 'undo'
        ? await plugin.rollback(state.finding, changeToUndo(plan.parameters), ctx)
        : await plugin.remediate(state.finding, plan, ctx);
    logger.info('Remediated', { change: change.summary });
    return change;
  });

export const handler = createRemediateHandler(awsRuntime);
