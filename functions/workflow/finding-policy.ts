import { summaryFor } from '../controls/control-summary';
import type { ControlSummary } from '../controls/types';
import { eligibility, type IneligibleCode } from '../findings/asff';
import type { HubfixConfig } from '../platform/config';
import { controlMode } from './modes';
import { productRefusal } from '../findings/provenance';
import { undoRefusal, type RunHistory } from './run-history';
import type { FindingRef, RequestedAction, Trigger } from '../findings/types';

/**
 * Every rule on whether hubfix may act on a finding at all, in one place: intake applies it to the event's
 * findings and again to Security Hub's copy, and Assess applies it once more inside the workflow, so a direct
 * StartExecution gains nothing over the event path.
 */

export type RefusalCode = IneligibleCode | 'untrusted-product' | 'account-excluded' | 'no-plugin' | 'not-automatic';

export interface Refusal {
  code: RefusalCode;
  /** As the note says it, after "hubfix did not act: ". */
  reason: string;
}

export interface PolicyContext {
  action: RequestedAction;
  trigger: Trigger;
  config: HubfixConfig;
  /** hubfix's own record of this finding (audit trail); needed for undo and the automatic path, absent before it is read. */
  history?: RunHistory;
  /** Which control serves a Security Hub control id (the generated summaries); replaceable in tests. */
  summaryFor?: (controlId: string) => ControlSummary | undefined;
}

/** The configuration's account include/exclude lists: hubfix acts only where the platform team said it may. */
const accountExcluded = (accountId: string, config: HubfixConfig): string | undefined => {
  const { include, exclude } = config.accounts;
  if (exclude.includes(accountId)) return `account ${accountId} is excluded in the hubfix configuration (accounts.exclude)`;
  if (include.length > 0 && !include.includes(accountId))
    return `account ${accountId} is not in the hubfix configuration's accounts.include list`;
  return undefined;
};

/**
 * The automatic path takes only NEW, failed, active findings of auto-mode controls that hubfix has not already
 * handled (a finding hubfix resolved that fails again is taken again). hubfix's own annotations must never start
 * a run (loop protection).
 */
const automaticPathRefusal = (finding: FindingRef, ctx: PolicyContext): Refusal | undefined => {
  const refuse = (reason: string): Refusal => ({ code: 'not-automatic', reason });
  if (controlMode(finding.controlId, ctx.config) !== 'auto') return refuse(`control ${finding.controlId} is not in auto mode`);
  if (finding.workflowStatus !== 'NEW') return refuse(`workflow status is ${finding.workflowStatus}, not NEW`);
  const previous = ctx.history?.lastOutcome;
  if (previous && previous !== 'resolved')
    return refuse(`hubfix already handled this finding (outcome ${previous}, in hubfix's audit trail)`);
  return undefined;
};

/** Why hubfix will not act on this finding, or undefined when it may. Checks run cheapest and most fundamental first. */
export const findingRefusal = (finding: FindingRef, ctx: PolicyContext): Refusal | undefined => {
  const untrusted = productRefusal(finding.productArn, ctx.config);
  if (untrusted) return { code: 'untrusted-product', reason: untrusted };
  const excluded = accountExcluded(finding.accountId, ctx.config);
  if (excluded) return { code: 'account-excluded', reason: excluded };
  if (ctx.action === 'undo') {
    // An undo acts on a finding hubfix resolved (RESOLVED, often PASSED by now): the fix on record decides.
    const refusal = ctx.history ? undoRefusal(ctx.history, finding) : undefined;
    if (refusal) return { code: 'nothing-to-undo', reason: refusal };
  } else {
    const eligible = eligibility(finding);
    if (!eligible.eligible) return { code: eligible.code, reason: eligible.reason };
  }
  if (!(ctx.summaryFor ?? summaryFor)(finding.controlId))
    return { code: 'no-plugin', reason: `control ${finding.controlId} has no hubfix plugin` };
  return ctx.trigger === 'imported' ? automaticPathRefusal(finding, ctx) : undefined;
};
