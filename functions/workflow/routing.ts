import { unseenSignals } from '../findings/evidence';
import { pluginFor } from '../controls/registry';
import { describeExemption, checkExemption } from './exemptions';
import { controlMode } from './modes';
import type { AuditRecord } from '../audit/audit';
import { assessUndo } from './undo';
import type { ControlAssessment, ControlContext, ControlPlugin } from '../controls/types';
import type { ControlMode } from '../platform/config';
import type { Assessment, WorkflowInput } from '../findings/types';

/**
 * The Assess step: run the control's read-only check and decide the route. The state machine's Route
 * state only follows `route`, so every decision and its reason live here, in one testable place.
 */
export const assessFinding = async (
  input: WorkflowInput,
  ctx: ControlContext,
  history: { fix?: AuditRecord } = {},
): Promise<Assessment> => {
  const { finding } = input;
  const assessedAt = ctx.now().toISOString();
  const base = { controlId: finding.controlId, evidence: [], assessedAt };
  const plugin = pluginFor(finding.controlId);
  if (!plugin) {
    return { ...base, route: 'skip', skip: 'unsupported', routeReason: `hubfix has no remediation for control ${finding.controlId}` };
  }
  if (input.action === 'undo') {
    if (!history.fix)
      return {
        ...base,
        pluginId: plugin.id,
        route: 'skip',
        skip: 'nothing-to-undo',
        routeReason: 'hubfix has no fix on record for this finding',
      };
    return assessUndo(history.fix, plugin, base);
  }
  const mode = controlMode(finding.controlId, ctx.config) ?? plugin.defaultMode;
  if (mode === 'off') {
    return {
      ...base,
      pluginId: plugin.id,
      route: 'skip',
      skip: 'disabled',
      routeReason: `Control ${finding.controlId} is off in the hubfix configuration`,
    };
  }

  const liveTags = plugin.resourceTags ? await plugin.resourceTags(finding, ctx) : undefined;
  const tags = liveTags ?? finding.resource.tags ?? {};
  const exemption = checkExemption(finding, tags, ctx.config, ctx.now());
  if (exemption.status === 'active') {
    return {
      ...base,
      pluginId: plugin.id,
      route: 'skip',
      skip: 'exempt',
      routeReason: `${finding.resource.canonicalId} is ${describeExemption(exemption.exemption)}; nothing was changed`,
    };
  }
  const exemptionNote =
    exemption.status === 'expired'
      ? `An exemption expired and was ignored (${describeExemption(exemption.exemption)}). `
      : exemption.problems.map((p) => `Ignored: ${p}. `).join('');

  const routed = routeAssessed(
    input,
    await plugin.assess(finding, { ...ctx, resourceTags: liveTags }),
    { ...base, pluginId: plugin.id },
    mode,
    plugin.automation,
  );
  if (!exemptionNote) return routed;
  // The note on the finding carries the route reason: an ignored exemption must be visible there.
  return {
    ...routed,
    routeReason: `${exemptionNote}${routed.routeReason}`,
    evidence: [{ fact: exemptionNote.trim(), source: `tag ${ctx.config.exemptionTagKey} / configuration exemptions` }, ...routed.evidence],
  };
};

/** Route a plugin's assessment: manual, blocked, not applicable, compliant, plan only, approval or automatic. */
const routeAssessed = (
  input: WorkflowInput,
  result: ControlAssessment,
  base: Pick<Assessment, 'controlId' | 'evidence' | 'assessedAt' | 'pluginId'>,
  mode: ControlMode,
  automation: ControlPlugin['automation'],
): Assessment => {
  const { finding } = input;
  const assessed = { ...base, risk: result.risk, evidence: result.evidence, plan: result.plan };
  if (automation === 'manual') {
    return {
      ...assessed,
      route: 'skip',
      skip: 'manual',
      routeReason: `${finding.controlId} is never changed automatically: ${result.riskReason}`,
    };
  }
  if (result.blocked) {
    return {
      ...assessed,
      route: 'skip',
      skip: 'blocked',
      routeReason: `hubfix cannot fix ${finding.controlId} safely: ${result.riskReason}`,
    };
  }
  if (result.notApplicable) {
    return {
      ...assessed,
      route: 'skip',
      skip: 'not-applicable',
      routeReason: `${finding.controlId} cannot be remediated on this resource: ${result.riskReason}`,
    };
  }
  if (!result.plan) {
    return { ...assessed, route: 'skip', skip: 'compliant', routeReason: result.riskReason };
  }
  if (input.action === 'plan' || mode === 'plan') {
    const why = input.action === 'plan' ? 'Plan only was requested' : `Control ${finding.controlId} is in plan mode`;
    return { ...assessed, route: 'skip', skip: 'plan-only', routeReason: `${why}; risk ${result.risk}: ${result.riskReason}` };
  }
  if (mode === 'approval') {
    return {
      ...assessed,
      route: 'approval',
      routeReason: `The configuration requires approval for ${finding.controlId}; risk ${result.risk}: ${result.riskReason}`,
    };
  }
  if (result.risk === 'high') {
    const escalated = input.trigger === 'imported' ? 'Not fixed automatically because the blast radius is high: ' : 'High risk: ';
    return { ...assessed, route: 'approval', routeReason: `${escalated}${result.riskReason}` };
  }
  if (result.risk === 'unknown' || result.evidence.some((e) => e.unseen)) {
    // Whatever the control concluded, a signal it could not read means nobody knows the blast radius: a person decides.
    const unseen = unseenSignals(result.evidence);
    const why = unseen.length > 0 ? unseen.join(' ') : result.riskReason;
    return { ...assessed, risk: 'unknown', route: 'approval', routeReason: `Risk unknown, a person decides: ${why}` };
  }
  return { ...assessed, route: 'auto', routeReason: `Low risk, fixed automatically: ${result.riskReason}` };
};
