import * as z from 'zod';
import type { ControlPlugin } from '../controls/types';
import type { AuditRecord } from '../audit/audit';
import { changeRecordSchema, issuesOf } from '../findings/change-record';
import { InvalidInputError } from '../platform/errors';
import type { Assessment, ChangeRecord } from '../findings/types';

/**
 * Undo: the "Undo fix" custom action on a finding hubfix resolved. The change record comes from hubfix's own
 * write-once audit trail (run-history.ts), found by the finding and checked against its account and canonical
 * resource; the rollback goes through the same workflow: approval when the original change needed one, then
 * rollback, then a re-read.
 */

/** The change a fix recorded, as rollback takes it. */
const changeOf = (fix: AuditRecord): ChangeRecord | undefined =>
  fix.change && { ...fix.change, changedAt: fix.changedAt ?? fix.annotatedAt };

/** The Assess step for an undo: the recorded change, reversible or not, and the route the original took. */
export const assessUndo = (
  fix: AuditRecord,
  plugin: ControlPlugin,
  base: Pick<Assessment, 'controlId' | 'evidence' | 'assessedAt'>,
): Assessment => {
  const withPlugin = { ...base, pluginId: plugin.id };
  const change = changeOf(fix);
  if (!change) {
    return { ...withPlugin, route: 'skip', skip: 'nothing-to-undo', routeReason: `the run ${fix.executionId} recorded no change to undo` };
  }
  const evidence = [
    { fact: `The fix being undone: ${change.summary} (at ${change.changedAt}).`, source: `hubfix audit record ${fix.executionId}` },
    { fact: `State before the fix, to be restored: ${JSON.stringify(change.before)}.`, source: 'the change record of that run' },
    ...(fix.approval
      ? [
          {
            fact: `The fix was approved by ${fix.approval.approver} (${fix.approval.reason || 'no reason given'}).`,
            source: 'the approval record of that run',
          },
        ]
      : []),
  ];
  if (!change.reversible) {
    return {
      ...withPlugin,
      evidence,
      route: 'skip',
      skip: 'irreversible',
      routeReason: `the change "${change.summary}" cannot be undone automatically; restore it by hand from the recorded previous state`,
    };
  }
  const plan = {
    summary: `Undo: ${change.summary}, restoring the state recorded before it`,
    steps: [`${plugin.id} rollback to ${JSON.stringify(change.before)}`],
    reversible: true,
    parameters: { change },
  };
  const risk = fix.assessment?.risk ?? 'high';
  return fix.approval
    ? {
        ...withPlugin,
        evidence,
        plan,
        risk,
        route: 'approval',
        routeReason: `Undoing a fix that ${fix.approval.approver} approved needs approval too`,
      }
    : { ...withPlugin, evidence, plan, risk, route: 'auto', routeReason: 'The fix was made automatically, so it is undone automatically' };
};

/** An undo plan's parameters: the change being undone, whose sides the control's changeSchema parses in its rollback. */
const undoParameters = z.object({ change: changeRecordSchema(z.unknown()) });

/** The change an undo plan carries (the step edge of an undo: Remediate parses it here, the control its sides). */
export const changeToUndo = (parameters: unknown): ChangeRecord => {
  const parsed = undoParameters.safeParse(parameters);
  if (!parsed.success) {
    throw new InvalidInputError(`The undo plan does not carry the change to undo (${issuesOf(parsed.error)}); nothing was changed`);
  }
  return parsed.data.change;
};
