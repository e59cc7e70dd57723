import type * as z from 'zod';
import { changeRecordSchema, issuesOf } from '../findings/change-record';
import type { ControlMode } from '../platform/config';
import { InvalidInputError } from '../platform/errors';
import type { ChangeRecord, FindingRef, Plan } from '../findings/types';
import type { ControlPermissions } from './grants';
import type { ControlAssessment, ControlContext, ControlPlugin, SignalDescription } from './types';

/**
 * One control family, defined once: what it is (ids, CIS references, resource types, default mode), what it reads and
 * changes (for `hubfix controls` and the README table), the shape of its plans and change records (zod schemas), the
 * IAM actions of each step (the roles are built from them), and its steps. `P` is the plan's parameters, `S` what each
 * side (`before`, `after`) of its change records holds.
 *
 * Plans and change records are data that outlive a deployment (an approval may wait days; Undo reads a change from the
 * audit trail months later): a schema keeps the field names of every earlier version, and adds fields as optional.
 */
export interface ControlDefinition<P, S> {
  /** Plugin id, e.g. "iam-access-keys": also the name of its folder in functions/controls/. */
  id: string;
  title: string;
  /** Consolidated Security Hub control ids, e.g. ["IAM.3", "IAM.8"]. */
  ids: readonly string[];
  /** CIS AWS Foundations Benchmark references, "<version>/<requirement>", e.g. ["1.2.0/1.3", "1.4.0/1.14"]. */
  cisRefs: readonly string[];
  /** ASFF resource types the control can act on. */
  resourceTypes: readonly string[];
  /** The mode used when the configuration does not name the control. */
  defaultMode: ControlMode;
  /** "manual": hubfix never changes anything; the note carries the manual steps. */
  automation: 'automated' | 'manual';
  /** What assess looks at. */
  assesses: string;
  /** Each signal assess reads, its source, what it cannot see and what happens when it cannot be read. */
  signals: readonly SignalDescription[];
  /** What remediate changes. */
  changes: string;
  reversible: boolean;
  /** The plan's parameters, as Remediate receives them. */
  planSchema: z.ZodType<P>;
  /** One side of a change record (`before` or `after`), as Verify, rollback and Undo receive it. */
  changeSchema: z.ZodType<S>;
  /** The IAM actions each step sends (see grants.ts). */
  permissions: ControlPermissions;
  assess(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment<P>>;
  remediate(finding: FindingRef, plan: Plan<P>, ctx: ControlContext): Promise<ChangeRecord<S>>;
  /** Resolves with what it observed when the control now passes; throws VerificationFailedError otherwise. */
  verify(finding: FindingRef, change: ChangeRecord<S>, ctx: ControlContext): Promise<string>;
  rollback(finding: FindingRef, change: ChangeRecord<S>, ctx: ControlContext): Promise<ChangeRecord<S>>;
  /** The resource's live tags (for exemptions); when absent, the tags the finding reports are used. */
  resourceTags?(finding: FindingRef, ctx: ControlContext): Promise<Record<string, string>>;
}

/** A registered control: the step edge over its definition, typed by its plan and change record. */
export interface Control<P, S> extends ControlPlugin {
  assess(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment<P>>;
  remediate(finding: FindingRef, plan: Plan, ctx: ControlContext): Promise<ChangeRecord<S>>;
  rollback(finding: FindingRef, change: ChangeRecord, ctx: ControlContext): Promise<ChangeRecord<S>>;
  planSchema: z.ZodType<P>;
  changeSchema: z.ZodType<S>;
}

/**
 * The control, callable by the workflow's steps. Its step methods are the step edge: each parses what crossed the step
 * boundary (the plan's parameters with `planSchema`, a change record with `changeSchema`) once, and hands the
 * definition typed values; anything else is an InvalidInputError that names the control, and nothing is changed.
 * Assess checks the plan it produces against the same schema, so an approver never approves a plan Remediate refuses.
 */
export const defineControl = <P, S>(definition: ControlDefinition<P, S>): Control<P, S> => {
  const { id, planSchema } = definition;
  const changeRecord = changeRecordSchema(definition.changeSchema);

  const parsePlan = (plan: Plan): Plan<P> => {
    const parsed = planSchema.safeParse(plan.parameters);
    if (!parsed.success) throw new InvalidInputError(`The plan is not one ${id} makes (${issuesOf(parsed.error)}); nothing was changed`);
    return { ...plan, parameters: parsed.data };
  };
  const parseChange = (change: ChangeRecord): ChangeRecord<S> => {
    const parsed = changeRecord.safeParse(change);
    if (!parsed.success) {
      throw new InvalidInputError(`The change record is not one ${id} writes (${issuesOf(parsed.error)}); nothing was changed`);
    }
    return parsed.data;
  };

  return {
    id,
    title: definition.title,
    securityControlIds: [...definition.ids],
    cisIds: [...definition.cisRefs],
    resourceTypes: [...definition.resourceTypes],
    assesses: definition.assesses,
    changes: definition.changes,
    reversible: definition.reversible,
    automation: definition.automation,
    defaultMode: definition.defaultMode,
    signals: definition.signals.map((s) => ({ ...s })),
    permissions: definition.permissions,
    planSchema,
    changeSchema: definition.changeSchema,
    async assess(finding, ctx) {
      const assessment = await definition.assess(finding, ctx);
      const checked = assessment.plan && planSchema.safeParse(assessment.plan.parameters);
      if (checked && !checked.success) throw new Error(`${id} planned parameters its own planSchema rejects (${issuesOf(checked.error)})`);
      return assessment;
    },
    remediate: async (finding, plan, ctx) => definition.remediate(finding, parsePlan(plan), ctx),
    verify: async (finding, change, ctx) => definition.verify(finding, parseChange(change), ctx),
    rollback: async (finding, change, ctx) => definition.rollback(finding, parseChange(change), ctx),
    ...(definition.resourceTags ? { resourceTags: definition.resourceTags } : {}),
  };
};
