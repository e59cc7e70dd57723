import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { takeAutomaticSlot } from './blast-limits';
import { claimsMismatch, readLiveFinding } from '../findings/finding-source';
import { findingRefusal } from './finding-policy';
import { executionName } from './execution-name';
import { assessFinding } from './routing';
import { requesterSchema } from '../findings/requester';
import { readRunHistory, type RunHistory } from './run-history';
import type { Runtime } from '../platform/runtime';
import type { Assessment, FindingRef, SkipKind, WorkflowInput, WorkflowState } from '../findings/types';

/**
 * The Assess step as the workflow runs it: the execution input only points at a finding. Re-read it from
 * Security Hub, apply every policy intake applies (a direct StartExecution gains nothing), assess, and take a
 * blast-limit slot before any change without a person. The step's output replaces the state, so every later step
 * (approval email and page, Remediate, the note, the audit record) sees Security Hub's finding, not the input's.
 */
export const assessStep = async (request: WorkflowInput, rt: Runtime): Promise<WorkflowState> => {
  const assessedAt = rt.now().toISOString();
  const { requestedBy, ...rest } = request;
  const requester = requestedBy === undefined ? undefined : requesterSchema.safeParse(requestedBy);
  // Only the checked requester travels on (to the approval record, the note and the audit record).
  const input: WorkflowInput = requester?.success ? { ...rest, requestedBy: requester.data } : rest;
  const refuse = (finding: FindingRef, skip: SkipKind, reason: string): WorkflowState => ({
    ...input,
    finding,
    assessment: { controlId: finding.controlId, route: 'skip', skip, routeReason: reason, evidence: [], assessedAt },
  });
  if (requester && !requester.success) {
    // A malformed requester could hide who started the run: refuse the run rather than drop the self-approval check.
    const fields = [...new Set(requester.error.issues.map((issue) => issue.path.join('.') || 'requestedBy'))].join(', ');
    return refuse(input.finding, 'refused', `The run's requestedBy (who started it) is malformed (${fields}); nothing was changed.`);
  }

  const live = await readLiveFinding(rt.clients.home(SecurityHubClient), input.finding);
  if (!live.ok) return refuse(input.finding, 'missing' in live ? 'not-found' : 'refused', live.reason);
  const finding = live.finding;
  const mismatch = claimsMismatch(input.finding, finding);
  // The refusal keeps the request's copy: intake took the lock on the resource the request named (when its own re-read was
  // throttled it starts on the event), and Annotate must give back that lock, not one on Security Hub's resource.
  if (mismatch) return refuse(input.finding, 'refused', mismatch);

  const history: RunHistory = input.action === 'undo' || input.trigger === 'imported' ? await readRunHistory(rt, finding) : {};
  const refusal = findingRefusal(finding, { action: input.action, trigger: input.trigger, config: rt.config, history });
  if (refusal) return refuse(finding, 'refused', refusal.reason);

  const assessed = await assessFinding({ ...input, finding }, { clients: rt.clients, config: rt.config, now: rt.now }, history);
  const assessment: Assessment = assessed.plan
    ? { ...assessed, plan: { ...assessed.plan, target: finding.resource.canonicalId } }
    : assessed;
  if (assessment.route !== 'auto') return { ...input, finding, assessment };

  const slot = await takeAutomaticSlot(rt, finding.accountId, executionName({ finding, action: input.action }));
  if (slot.granted) return { ...input, finding, assessment };
  // An analyst's click still gets an answer: a person decides instead. The automatic path waits.
  const paused: Assessment =
    input.trigger === 'custom-action'
      ? {
          ...assessment,
          held: slot.reason,
          route: 'approval',
          routeReason:
            `Automatic changes are paused, so a person decides (${slot.reason.replace(/; nothing was changed$/, '')}). ` +
            `${assessment.routeReason}`,
        }
      : {
          ...assessment,
          held: slot.reason,
          route: 'skip',
          skip: 'held',
          routeReason: `${slot.reason}. Choose Remediate on the finding to have a person decide.`,
        };
  return { ...input, finding, assessment: paused };
};
