import * as z from 'zod';
import { InvalidInputError, RemediationError } from '../commons/errors';
import type { Evidence, FindingRef } from '../commons/types';
import { defineControl, type Control } from './define-control';
import { NO_CALLS } from './grants';
import type { ControlAssessment, ControlPlugin } from './types';

/**
 * Controls hubfix must never change by itself (issue 4 item 12): fixing them needs the root user, a person's
 * own MFA device, or a decision about who needs which permissions. Their plugins change nothing: assess
 * returns the manual steps and the AWS remediation guidance, routing skips them as "manual" and Annotate
 * sets the finding NOTIFIED with the steps and the link.
 */
export const GUIDANCE_BASE = 'https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html';

/** The Security Hub user guide section of a control: ".../iam-controls.html#iam-4". */
export const guidanceLink = (controlId: string): string => `${GUIDANCE_BASE}#${controlId.toLowerCase().replace('.', '-')}`;

interface ManualFamily {
  id: string;
  title: string;
  cisIds: string[];
  resourceTypes: string[];
  /** Why automation is unsafe for the whole family: the route reason. Short: it leads the finding's note. */
  why: string;
  /** Manual steps per Security Hub control id, in the order a person does them. */
  steps: Readonly<Record<string, string>>;
}

const neverCalled = (id: string, step: string) => async (): Promise<never> => {
  throw new RemediationError(`${id} is manual-only: hubfix never calls ${step} for it (routing skips manual controls); nothing was changed`);
};

/** A manual control never plans or records a change: its plans and change records are empty. */
const nothing = z.object({});
type Nothing = z.infer<typeof nothing>;

const manualPlugin = (family: ManualFamily): Control<Nothing, Nothing> =>
  defineControl({
    id: family.id,
    title: family.title,
    ids: Object.keys(family.steps),
    cisRefs: family.cisIds,
    resourceTypes: family.resourceTypes,
    assesses: 'Nothing: no API call; returns the manual steps and the AWS remediation guidance',
    changes: `Nothing (manual only): ${family.why}`,
    reversible: false,
    automation: 'manual',
    defaultMode: 'plan',
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

export const rootAccountCredentials = manualPlugin({
  id: 'root-account-credentials',
  title: 'Root user: no access keys, MFA (hardware MFA)',
  cisIds: ['1.2.0/1.12', '1.2.0/1.13', '1.2.0/1.14', '1.4.0/1.4', '1.4.0/1.5', '1.4.0/1.6', '3.0.0/1.4', '3.0.0/1.5', '3.0.0/1.6', '5.0.0/1.3', '5.0.0/1.4', '5.0.0/1.5'],
  resourceTypes: ['AwsAccount'],
  why: 'only the root user can change its own credentials, and hubfix must never act as root',
  steps: {
    'IAM.4':
      '1) Find what uses the root access key (credential report: access_key_1_last_used_date; CloudTrail userIdentity.type=Root). 2) Move that use to an IAM role. 3) Sign in as root, Security credentials: deactivate the key, wait, then delete it.',
    'IAM.6':
      '1) Sign in as root, Security credentials, Assign MFA device. 2) Register a FIDO security key or hardware TOTP token. 3) Keep it in a safe with a named owner; then remove any virtual MFA device.',
    'IAM.9':
      '1) Sign in as root, Security credentials, Assign MFA device. 2) Register a security key (or an authenticator app on a device the account owners control). 3) For Organization member accounts, consider centralized root access instead.',
  },
});

export const iamUserMfa = manualPlugin({
  id: 'iam-user-mfa',
  title: 'IAM users: MFA for console and all users',
  cisIds: ['1.2.0/1.2', '1.4.0/1.10', '3.0.0/1.10', '5.0.0/1.9'],
  resourceTypes: ['AwsIamUser'],
  why: 'users register MFA on their own device; hubfix could only delete the password, locking the user out',
  steps: {
    'IAM.5':
      "1) Ask the user to sign in and assign an MFA device (Security credentials). 2) If they need no console, check password_last_used (credential report) and delete the password. 3) Prefer IAM Identity Center.",
    'IAM.19':
      "1) Ask the user to assign an MFA device (Security credentials). 2) If the user is unused, check the credential report and remove its password and keys. 3) Enforce MFA with an IAM policy condition aws:MultiFactorAuthPresent.",
  },
});

export const iamAdminPolicies = manualPlugin({
  id: 'iam-admin-policies',
  title: 'IAM policies: no full "*:*" administrative privileges',
  cisIds: ['1.2.0/1.22', '1.4.0/1.16'],
  resourceTypes: ['AwsIamPolicy'],
  why: 'narrowing admin rights needs to know what its users do; a guess breaks pipelines and break-glass access',
  steps: {
    'IAM.1':
      '1) List who has the policy (ListEntitiesForPolicy). 2) Learn what they use (last-accessed data, Access Analyzer policy generation). 3) Set a least-privilege policy version as default; keep the old one to roll back.',
  },
});

export const iamUserPolicies = manualPlugin({
  id: 'iam-user-policies',
  title: 'IAM users: permissions through groups or roles, not attached policies',
  cisIds: ['1.2.0/1.16', '3.0.0/1.15', '5.0.0/1.14'],
  resourceTypes: ['AwsIamUser'],
  why: "detaching a user's policies revokes access at once; moving them to a group or role is a design decision",
  steps: {
    'IAM.2':
      "1) Create (or pick) a group with the user's policies. 2) Add the user to it and check their access still works. 3) Detach the managed policies (DetachUserPolicy) and delete the inline ones (DeleteUserPolicy).",
  },
});

export const iamPasswordExpiry = manualPlugin({
  id: 'iam-password-expiry',
  title: 'IAM password policy: password expiry',
  cisIds: ['1.2.0/1.11'],
  resourceTypes: ['AwsAccount'],
  why: 'expiry makes users with older passwords change them at next sign-in; HardExpiry locks them out',
  steps: {
    'IAM.10':
      '1) Confirm PCI DSS applies to this account. 2) Tell IAM users first. 3) IAM, Account settings: maximum password age 90 days (hubfix already sets length, characters and reuse); leave HardExpiry off.',
    'IAM.17':
      '1) Decide whether expiry is required (CIS 1.4.0+ and NIST SP 800-63B dropped periodic rotation). 2) Tell IAM users first. 3) IAM, Account settings: maximum password age 90 days or less; leave "administrator reset" (HardExpiry) off.',
  },
});

/** Every manual-only family, for the registry. */
export const manualOnlyPlugins: readonly ControlPlugin[] = [rootAccountCredentials, iamUserMfa, iamAdminPolicies, iamUserPolicies, iamPasswordExpiry];
