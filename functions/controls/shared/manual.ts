import * as z from 'zod';
import { InvalidInputError, RemediationError } from '../../platform/errors';
import type { Evidence, FindingRef } from '../../findings/types';
import { defineControl, type Control } from '../define-control';
import { NO_CALLS } from '../grants';
import type { ControlAssessment } from '../types';

/**
 * Controls hubfix must never change by itself (issue 4 item 12): fixing them needs the root user, a person's
 * own MFA device, or a decision about who needs which permissions. Their controls change nothing: assess
 * returns the manual steps and the AWS remediation guidance, routing skips them as "manual" and Annotate
 * sets the finding NOTIFIED with the steps and the link. Each is a folder whose definition is
 * `manualControl({ id, title, cisRefs, resourceTypes, why, steps })`.
 */
export const GUIDANCE_BASE = 'https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html';

/** The Security Hub user guide section of a control: ".../iam-controls.html#iam-4". */
export const guidanceLink = (controlId: string): string => `${GUIDANCE_BASE}#${controlId.toLowerCase().replace('.', '-')}`;

export interface ManualFamily {
  id: string;
  title: string;
  cisRefs: string[];
  resourceTypes: string[];
  /** Why automation is unsafe for the whole family: the route reason. Short: it leads the finding's note. */
  why: string;
  /** Manual steps per Security Hub control id, in the order a person does them. */
  steps: Readonly<Record<string, string>>;
}

const neverCalled = (id: string, step: string) => async (): Promise<never> => {
  throw new RemediationError(
    `${id} is manual-only: hubfix never calls ${step} for it (routing skips manual controls); nothing was changed`,
  );
};

/** A manual control never plans or records a change: its plans and change records are empty. */
const nothing = z.object({});
type Nothing = z.infer<typeof nothing>;

export const manualControl = (family: ManualFamily): Control<Nothing, Nothing> =>
  defineControl({
    id: family.id,
    title: family.title,
    ids: Object.keys(family.steps),
    cisRefs: family.cisRefs,
    resourceTypes: family.resourceTypes,
    assesses: 'Nothing: no API call; returns the manual steps and the AWS remediation guidance',
    changes: `Nothing (manual only): ${family.why}`,
    reversible: false,
    automation: 'manual',
    defaultMode: 'plan',
    // Reads nothing, changes nothing: no signal, no blind spot to report.
    signals: [],
    planSchema: nothing,
    changeSchema: nothing,
    // Calls nothing in any step.
    permissions: NO_CALLS,
    async assess(finding: FindingRef): Promise<ControlAssessment<Nothing>> {
      const steps = family.steps[finding.controlId];
      if (!steps) throw new InvalidInputError(`${family.id} does not serve ${finding.controlId}`);
      const evidence: Evidence[] = [
        {
          fact: `Guidance: ${guidanceLink(finding.controlId)}`,
          source: 'AWS Security Hub user guide (CIS AWS Foundations Benchmark remediation)',
        },
        { fact: `Steps: ${steps}`, source: 'CIS AWS Foundations Benchmark remediation procedure' },
      ];
      return { risk: 'high', riskReason: family.why, evidence };
    },
    remediate: neverCalled(family.id, 'remediate'),
    verify: neverCalled(family.id, 'verify'),
    rollback: neverCalled(family.id, 'rollback'),
  });
