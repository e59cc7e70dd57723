import type { ControlSummary } from '../controls/types';
import type { FindingIdentifier } from '../workflow/annotation';
import type { ParsedEvent } from '../findings/asff';
import type { HubfixConfig } from '../platform/config';
import { findingRefusal, type PolicyContext, type RefusalCode } from '../workflow/finding-policy';
import type { FindingRef, RequestedAction, Trigger, WorkflowInput } from '../findings/types';

/**
 * What intake does with one parsed event: start one execution per actionable finding, annotate the rest at
 * once with the reason, and log what cannot even be annotated.
 */

/** The custom actions hubfix's stack creates (the last segment of the action ARN). */
export const CUSTOM_ACTIONS: Readonly<Record<string, RequestedAction>> = {
  HubfixRemediate: 'remediate',
  HubfixPlan: 'plan',
  HubfixUndo: 'undo',
};

export type SkipCode = RefusalCode | 'rejected' | 'mismatch';

/** A finding hubfix will not act on but can tell so on the finding itself. */
export interface SkipDecision {
  identifier: FindingIdentifier;
  code: SkipCode;
  /** Why, as the note on the finding says it (after "hubfix did not act: "). */
  reason: string;
  controlId?: string;
}

/** A finding of an imported event that the automatic path does not take (only logged: it was not asked about). */
export interface IgnoredFinding {
  findingId: string;
  reason: string;
}

export interface IntakePlan {
  /** Set when the whole event is not for hubfix (another tool's custom action); nothing else is then done. */
  ignored?: string;
  action?: RequestedAction;
  trigger?: Trigger;
  start: WorkflowInput[];
  skip: SkipDecision[];
  /** Findings without an Id/ProductArn: nothing to annotate, only a log line. */
  drop: { reason: string }[];
  /**
   * Imported findings the automatic path leaves alone (not auto mode, not NEW, already handled, untrusted product):
   * logged, never annotated, since an annotation re-imports the finding and would start the loop again.
   */
  pass: IgnoredFinding[];
}

export interface IntakeOptions {
  /** ISO 8601 time the event was received. */
  receivedAt: string;
  /** Which control serves a Security Hub control id (the generated summaries); replaceable in tests. */
  summaryFor?: (controlId: string) => ControlSummary | undefined;
}

export const skipNote = (skip: Pick<SkipDecision, 'reason'>): string => `hubfix did not act: ${skip.reason}`;

const resolveAction = (event: ParsedEvent): { action: RequestedAction; trigger: Trigger } | { ignored: string } => {
  if (event.kind === 'imported') return { action: 'remediate', trigger: 'imported' };
  const action = CUSTOM_ACTIONS[event.actionId];
  if (!action) {
    return {
      ignored:
        `custom action "${event.actionId}"${event.actionName ? ` ("${event.actionName}")` : ''} is not a hubfix action ` +
        `(${Object.keys(CUSTOM_ACTIONS).join(', ')})`,
    };
  }
  return { action, trigger: 'custom-action' };
};

/** What intake does with one finding: start a run, annotate why not, or (automatic path) only log why not. */
export type FindingDecision = { kind: 'start' } | { kind: 'skip'; code: SkipCode; reason: string } | { kind: 'pass'; reason: string };

export const decideFinding = (finding: FindingRef, ctx: PolicyContext): FindingDecision => {
  const refusal = findingRefusal(finding, ctx);
  if (!refusal) return { kind: 'start' };
  return ctx.trigger === 'imported'
    ? { kind: 'pass', reason: refusal.reason }
    : { kind: 'skip', code: refusal.code, reason: refusal.reason };
};

/**
 * The first pass, on the event's own copy of each finding and without any AWS call (so `hubfix plan` shares it):
 * what cannot be acted on is refused here; what may be is re-read from Security Hub before it starts (intake-run.ts).
 */
export const planIntake = (event: ParsedEvent, config: HubfixConfig, options: IntakeOptions): IntakePlan => {
  const resolved = resolveAction(event);
  if ('ignored' in resolved) return { ignored: resolved.ignored, start: [], skip: [], drop: [], pass: [] };
  const plan: IntakePlan = { ...resolved, start: [], skip: [], drop: [], pass: [] };
  for (const result of event.findings) {
    if (!result.ok) {
      // Imported findings are logged, never annotated: nobody asked hubfix about them.
      if (result.identifier && resolved.trigger !== 'imported')
        plan.skip.push({ identifier: result.identifier, code: 'rejected', reason: result.reason });
      else plan.drop.push({ reason: result.reason });
      continue;
    }
    const { finding } = result;
    const decision = decideFinding(finding, { ...resolved, config, summaryFor: options.summaryFor });
    if (decision.kind === 'pass') plan.pass.push({ findingId: finding.id, reason: decision.reason });
    else if (decision.kind === 'skip') {
      plan.skip.push({
        identifier: { id: finding.id, productArn: finding.productArn },
        code: decision.code,
        reason: decision.reason,
        controlId: finding.controlId,
      });
    } else plan.start.push({ finding, action: resolved.action, trigger: resolved.trigger, receivedAt: options.receivedAt });
  }
  return plan;
};
