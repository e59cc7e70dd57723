import type { ClientFactory, Target } from '../commons/clients';
import type { HubfixConfig, ControlMode } from '../commons/config';
import type { ChangeRecord, Evidence, FindingRef, Plan, Risk } from '../commons/types';

/** What a control step gets besides the finding: clients, configuration and the clock. */
export interface ControlContext {
  clients: ClientFactory;
  config: HubfixConfig;
  now: () => Date;
  /** The resource's live tags when Assess has already read them (for exemptions): a plugin need not read them again. */
  resourceTags?: Record<string, string>;
}

/** The result of a control's read-only blast-radius check. */
export interface ControlAssessment {
  risk: Risk;
  /** Why the risk is what it is, one line: shown as the route reason. */
  riskReason: string;
  evidence: Evidence[];
  /** Absent when the resource already passes the control: there is nothing to change. */
  plan?: Plan;
  /**
   * True when the control fails but hubfix has no safe change to make (a prerequisite such as a log group,
   * a KMS key or a configured bucket is missing): nothing is changed and riskReason says what a person must do.
   */
  blocked?: boolean;
  /**
   * True when the control fails but its remediation cannot apply to this resource at all (e.g. a KMS key type that
   * cannot rotate): nothing is changed, the finding is not called compliant, and riskReason says why.
   */
  notApplicable?: boolean;
}

/** Facts `hubfix controls` prints and the README's coverage table is generated from. */
export interface ControlDescription {
  /** Plugin id, e.g. "iam-access-keys". */
  id: string;
  title: string;
  /** Consolidated Security Hub control ids, e.g. ["IAM.3", "IAM.8"]. */
  securityControlIds: string[];
  /** CIS AWS Foundations Benchmark references, e.g. ["1.2.0/1.3", "1.4.0/1.14"]. */
  cisIds: string[];
  /** ASFF resource types the plugin can act on. */
  resourceTypes: string[];
  /** What assess looks at. */
  assesses: string;
  /** What remediate changes. */
  changes: string;
  reversible: boolean;
  /** "manual": hubfix never changes anything; the note carries the manual steps. */
  automation: 'automated' | 'manual';
  /** The mode used when the configuration does not name the control. */
  defaultMode: ControlMode;
}

/**
 * A control family: one file in functions/controls/, one test beside it in test/controls/, one line in
 * the registry. assess reads only; remediate makes the narrowest change; verify re-reads independently
 * (never trusting remediate's return value); rollback restores `change.before`.
 */
export interface ControlPlugin extends ControlDescription {
  assess(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment>;
  remediate(finding: FindingRef, plan: Plan, ctx: ControlContext): Promise<ChangeRecord>;
  /** Resolves with what it observed when the control now passes; throws VerificationFailedError otherwise. */
  verify(finding: FindingRef, change: ChangeRecord, ctx: ControlContext): Promise<string>;
  rollback(finding: FindingRef, change: ChangeRecord, ctx: ControlContext): Promise<ChangeRecord>;
  /** The resource's live tags (for exemptions); when absent, the tags the finding reports are used. */
  resourceTags?(finding: FindingRef, ctx: ControlContext): Promise<Record<string, string>>;
}

/** The account and region a finding's resource lives in: where every call of a control goes. */
export const targetOf = (finding: FindingRef): Target => ({
  accountId: finding.accountId,
  region: finding.resource.region,
});
