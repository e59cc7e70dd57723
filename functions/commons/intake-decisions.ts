import { createHash } from 'node:crypto';
import { pluginFor as registryPluginFor } from '../controls/registry';
import type { ControlPlugin } from '../controls/types';
import type { FindingIdentifier } from './annotation';
import { eligibility, type Eligibility, type IneligibleCode, type ParsedEvent } from './asff';
import { undoRefusal } from './undo';
import { controlMode } from './modes';
import type { HubfixConfig } from './config';
import type { FindingRef, RequestedAction, Trigger, WorkflowInput } from './types';

/**
 * What intake does with one parsed event, decided without any AWS call so that the Lambda and the
 * local CLI (`hubfix run` / `hubfix plan`) share it: start one execution per actionable finding,
 * annotate the rest at once with the reason, and log what cannot even be annotated.
 */

/** The custom actions hubfix's stack creates (the last segment of the action ARN). */
export const CUSTOM_ACTIONS: Readonly<Record<string, RequestedAction>> = {
  HubfixRemediate: 'remediate',
  HubfixPlan: 'plan',
  HubfixUndo: 'undo',
};

export type SkipCode = IneligibleCode | 'rejected' | 'no-plugin' | 'account-excluded';

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
  /** Imported findings the automatic path leaves alone (not auto mode, not NEW, already handled by hubfix). */
  pass: IgnoredFinding[];
}

export interface IntakeOptions {
  /** ISO 8601 time the event was received. */
  receivedAt: string;
  /** The control registry lookup; replaceable in tests. */
  pluginFor?: (controlId: string) => ControlPlugin | undefined;
}

export const skipNote = (skip: Pick<SkipDecision, 'reason'>): string => `hubfix did not act: ${skip.reason}`;

const resolveAction = (event: ParsedEvent): { action: RequestedAction; trigger: Trigger } | { ignored: string } => {
  if (event.kind === 'imported') return { action: 'remediate', trigger: 'imported' };
  const action = CUSTOM_ACTIONS[event.actionId];
  if (!action) {
    return {
      ignored: `custom action "${event.actionId}"${event.actionName ? ` ("${event.actionName}")` : ''} is not a hubfix action (${Object.keys(CUSTOM_ACTIONS).join(', ')})`,
    };
  }
  return { action, trigger: 'custom-action' };
};

const undoEligibility = (finding: FindingRef): Eligibility => {
  const refusal = undoRefusal(finding);
  return refusal ? { eligible: false, code: 'nothing-to-undo', reason: refusal } : { eligible: true };
};

/** The configuration's account include/exclude lists: hubfix acts only where the platform team said it may. */
const accountExcluded = (accountId: string, config: HubfixConfig): string | undefined => {
  const { include, exclude } = config.accounts;
  if (exclude.includes(accountId)) return `account ${accountId} is excluded in the hubfix configuration (accounts.exclude)`;
  if (include.length > 0 && !include.includes(accountId)) return `account ${accountId} is not in the hubfix configuration's accounts.include list`;
  return undefined;
};

/**
 * Why the automatic path leaves an imported finding alone, or undefined when it takes it. The rule's pattern
 * already narrows events; an event can still carry other findings, and hubfix's own annotations must never
 * start a run (loop protection): only NEW, failed, active findings of auto-mode controls that hubfix has not
 * already handled (a finding hubfix resolved that fails again is taken again).
 */
const automaticPathRefusal = (finding: FindingRef, config: HubfixConfig): IgnoredFinding | undefined => {
  const refuse = (reason: string) => ({ findingId: finding.id, reason });
  if (controlMode(finding.controlId, config) !== 'auto') return refuse(`control ${finding.controlId} is not in auto mode`);
  if (finding.workflowStatus !== 'NEW') return refuse(`workflow status is ${finding.workflowStatus}, not NEW`);
  const eligible = eligibility(finding);
  if (!eligible.eligible) return refuse(eligible.reason);
  const previous = finding.previous?.outcome;
  if (previous && previous !== 'resolved') return refuse(`hubfix already handled this finding (outcome ${previous})`);
  return undefined;
};

export const planIntake = (event: ParsedEvent, config: HubfixConfig, options: IntakeOptions): IntakePlan => {
  const resolved = resolveAction(event);
  if ('ignored' in resolved) return { ignored: resolved.ignored, start: [], skip: [], drop: [], pass: [] };
  const pluginFor = options.pluginFor ?? registryPluginFor;
  const plan: IntakePlan = { ...resolved, start: [], skip: [], drop: [], pass: [] };
  for (const result of event.findings) {
    if (resolved.trigger === 'imported') {
      if (!result.ok) {
        plan.drop.push({ reason: result.reason }); // logged, never annotated: nobody asked hubfix about it
        continue;
      }
      const notOurs = automaticPathRefusal(result.finding, config);
      if (notOurs) {
        plan.pass.push(notOurs);
        continue;
      }
    }
    if (!result.ok) {
      if (result.identifier) plan.skip.push({ identifier: result.identifier, code: 'rejected', reason: result.reason });
      else plan.drop.push({ reason: result.reason });
      continue;
    }
    const { finding } = result;
    const identifier = { id: finding.id, productArn: finding.productArn };
    // An undo acts on a finding hubfix resolved (RESOLVED, often PASSED by now): the fix on record decides.
    const eligible = resolved.action === 'undo' ? undoEligibility(finding) : eligibility(finding);
    const accountOut = accountExcluded(finding.accountId, config);
    if (accountOut) {
      plan.skip.push({ identifier, code: 'account-excluded', reason: accountOut, controlId: finding.controlId });
    } else if (!eligible.eligible) {
      plan.skip.push({ identifier, code: eligible.code, reason: eligible.reason, controlId: finding.controlId });
    } else if (!pluginFor(finding.controlId)) {
      plan.skip.push({ identifier, code: 'no-plugin', reason: `control ${finding.controlId} has no hubfix plugin`, controlId: finding.controlId });
    } else {
      plan.start.push({
        finding,
        action: resolved.action,
        trigger: resolved.trigger,
        receivedAt: options.receivedAt,
      });
    }
  }
  return plan;
};

/**
 * The Step Functions execution name: the same finding version and action always get the same name, so a
 * double click or an SQS redelivery cannot start a second execution. ≤ 80 chars of [A-Za-z0-9-_].
 */
export const executionName = (input: Pick<WorkflowInput, 'finding' | 'action'>): string => {
  const { finding, action } = input;
  const digest = createHash('sha256').update(`${finding.id}|${finding.updatedAt}|${action}`).digest('hex').slice(0, 40);
  const control = finding.controlId.replace(/\./g, '-').replace(/[^A-Za-z0-9_-]/g, '').slice(0, 80 - digest.length - action.length - 2);
  return `${control}-${action}-${digest}`;
};
