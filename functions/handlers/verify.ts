import { InvalidInputError, VerificationFailedError } from '../platform/errors';
import type { ControlContext, ControlPlugin } from '../controls/types';
import { logger } from '../platform/logger';
import { pluginOf } from '../workflow/plugin-step';
import { awsRuntime, type Runtime } from '../platform/runtime';
import { stepHandler } from '../workflow/step-handler';
import type { Verification, WorkflowState } from '../findings/types';

/** After an undo the control's own check, read afresh, must fail again exactly as it did before the fix. */
const verifyUndone = async (plugin: ControlPlugin, state: WorkflowState, ctx: ControlContext): Promise<string> => {
  const reread = await plugin.assess(state.finding, ctx);
  if (!reread.plan)
    throw new VerificationFailedError(
      `The resource still passes ${state.finding.controlId}: the previous state is not back (${reread.riskReason})`,
    );
  return `the control's check fails again as before the fix (${reread.plan.summary} would be needed again)`;
};

/** Verify: re-reads the resource; throws VerificationFailedError (retried, then caught) if the control would still fail. */
export const createVerifyHandler = (runtime: () => Runtime) =>
  stepHandler(runtime, async (state: WorkflowState, rt): Promise<Verification> => {
    if (!state.change) throw new InvalidInputError('Verify was reached without a change record');
    const plugin = await pluginOf(state.finding);
    const ctx = { clients: rt.clients, config: rt.config, now: rt.now };
    const observed =
      state.action === 'undo' ? await verifyUndone(plugin, state, ctx) : await plugin.verify(state.finding, state.change, ctx);
    logger.info('Verified', { observed });
    return { verified: true, observed, checkedAt: rt.now().toISOString() };
  });

export const handler = createVerifyHandler(awsRuntime);
