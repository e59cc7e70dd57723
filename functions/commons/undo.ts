import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { ControlContext, ControlPlugin } from '../controls/types';
import type { Assessment, ChangeRecord, FindingRef, WorkflowInput, WorkflowState } from './types';

/**
 * Undo: the "Undo fix" custom action on a finding hubfix resolved. The change record lives in the output
 * of the run that made it (the finding's hubfix:execution field names it); the rollback goes through the
 * same workflow: approval when the original change needed one, then rollback, then a re-read.
 */

/** Why a finding cannot be undone (checked at intake and again at Assess), or undefined when it can. */
export const undoRefusal = (finding: FindingRef): string | undefined => {
  if (finding.previous?.outcome !== 'resolved' || !finding.previous.execution) {
    return `hubfix has no fix on record for this finding (last hubfix outcome: ${finding.previous?.outcome ?? 'none'}), so there is nothing to undo`;
  }
  return undefined;
};

/** The final state of the run that fixed the finding (Step Functions keeps execution history for 90 days). */
const previousRun = async (ctx: ControlContext, executionArn: string): Promise<WorkflowState | undefined> => {
  const described = await ctx.clients.home(SFNClient).send(new DescribeExecutionCommand({ executionArn }));
  return described.output ? (JSON.parse(described.output) as WorkflowState) : undefined;
};

/** The Assess step for an undo: the recorded change, reversible or not, and the route the original took. */
export const assessUndo = async (input: WorkflowInput, ctx: ControlContext, plugin: ControlPlugin, base: Pick<Assessment, 'controlId' | 'evidence' | 'assessedAt'>): Promise<Assessment> => {
  const refusal = undoRefusal(input.finding);
  const withPlugin = { ...base, pluginId: plugin.id };
  if (refusal) return { ...withPlugin, route: 'skip', skip: 'nothing-to-undo', routeReason: refusal };
  const executionArn = input.finding.previous?.execution as string;
  const original = await previousRun(ctx, executionArn);
  const change: ChangeRecord | undefined = original?.change;
  if (!original || !change) {
    return { ...withPlugin, route: 'skip', skip: 'nothing-to-undo', routeReason: `the run ${executionArn} recorded no change to undo` };
  }
  const evidence = [
    { fact: `The fix being undone: ${change.summary} (at ${change.changedAt}).`, source: `states:DescribeExecution ${executionArn}` },
    { fact: `State before the fix, to be restored: ${JSON.stringify(change.before)}.`, source: 'the change record of that run' },
    ...(original.approval ? [{ fact: `The fix was approved by ${original.approval.approver} (${original.approval.reason || 'no reason given'}).`, source: 'the approval record of that run' }] : []),
  ];
  if (!change.reversible) {
    return { ...withPlugin, evidence, route: 'skip', skip: 'irreversible', routeReason: `the change "${change.summary}" cannot be undone automatically; restore it by hand from the recorded previous state` };
  }
  const plan = {
    summary: `Undo: ${change.summary}, restoring the state recorded before it`,
    steps: [`${plugin.id} rollback to ${JSON.stringify(change.before)}`],
    reversible: true,
    parameters: { change },
  };
  const risk = original.assessment?.risk ?? 'high';
  return original.approval
    ? { ...withPlugin, evidence, plan, risk, route: 'approval', routeReason: `Undoing a fix that ${original.approval.approver} approved needs approval too` }
    : { ...withPlugin, evidence, plan, risk, route: 'auto', routeReason: 'The fix was made automatically, so it is undone automatically' };
};

/** The change an undo plan carries. */
export const changeToUndo = (parameters: Record<string, unknown>): ChangeRecord => parameters.change as ChangeRecord;
