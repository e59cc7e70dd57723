import { pluginFor } from '../controls/registry';
import { controlMode } from './modes';
import type { ControlContext } from '../controls/types';
import type { Assessment, WorkflowInput } from './types';

/**
 * The Assess step: run the control's read-only check and decide the route. The state machine's Route
 * state only follows `route`, so every decision and its reason live here, in one testable place.
 */
export const assessFinding = async (input: WorkflowInput, ctx: ControlContext): Promise<Assessment> => {
  const { finding } = input;
  const assessedAt = ctx.now().toISOString();
  const base = { controlId: finding.controlId, evidence: [], assessedAt };
  const plugin = pluginFor(finding.controlId);
  if (!plugin) {
    return { ...base, route: 'skip', skip: 'unsupported', routeReason: `hubfix has no remediation for control ${finding.controlId}` };
  }
  const mode = controlMode(finding.controlId, ctx.config) ?? plugin.defaultMode;
  if (mode === 'off') {
    return { ...base, pluginId: plugin.id, route: 'skip', skip: 'disabled', routeReason: `Control ${finding.controlId} is off in the hubfix configuration` };
  }

  const result = await plugin.assess(finding, ctx);
  const assessed = { ...base, pluginId: plugin.id, risk: result.risk, evidence: result.evidence, plan: result.plan };
  if (plugin.automation === 'manual') {
    return { ...assessed, route: 'skip', skip: 'manual', routeReason: `${finding.controlId} is never changed automatically: ${result.riskReason}` };
  }
  if (result.blocked) {
    return { ...assessed, route: 'skip', skip: 'blocked', routeReason: `hubfix cannot fix ${finding.controlId} safely: ${result.riskReason}` };
  }
  if (result.notApplicable) {
    return { ...assessed, route: 'skip', skip: 'not-applicable', routeReason: `${finding.controlId} cannot be remediated on this resource: ${result.riskReason}` };
  }
  if (!result.plan) {
    return { ...assessed, route: 'skip', skip: 'compliant', routeReason: result.riskReason };
  }
  if (input.action === 'plan' || mode === 'plan') {
    const why = input.action === 'plan' ? 'Plan only was requested' : `Control ${finding.controlId} is in plan mode`;
    return { ...assessed, route: 'skip', skip: 'plan-only', routeReason: `${why}; risk ${result.risk}: ${result.riskReason}` };
  }
  if (mode === 'approval') {
    return { ...assessed, route: 'approval', routeReason: `The configuration requires approval for ${finding.controlId}; risk ${result.risk}: ${result.riskReason}` };
  }
  if (result.risk === 'high') {
    const escalated = input.trigger === 'imported' ? 'Not fixed automatically because the blast radius is high: ' : 'High risk: ';
    return { ...assessed, route: 'approval', routeReason: `${escalated}${result.riskReason}` };
  }
  return { ...assessed, route: 'auto', routeReason: `Low risk, fixed automatically: ${result.riskReason}` };
};
