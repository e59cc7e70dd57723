import type { ClientFactory, Target } from '../platform/clients';
import type { HubfixConfig, ControlMode } from '../platform/config';
import type * as z from 'zod';
import type { ChangeRecord, Evidence, FindingRef, Plan, Risk } from '../findings/types';
import type { ControlPermissions } from './grants';

/** What a control step gets besides the finding: clients, configuration and the clock. */
export interface ControlContext {
  clients: ClientFactory;
  config: HubfixConfig;
  now: () => Date;
  /** The resource's live tags when Assess has already read them (for exemptions): a plugin need not read them again. */
  resourceTags?: Record<string, string>;
}

/** The result of a control's read-only blast-radius check; `P` is the control's plan parameters. */
export interface ControlAssessment<P = unknown> {
  risk: Risk;
  /** Why the risk is what it is, one line: shown as the route reason. */
  riskReason: string;
  evidence: Evidence[];
  /** Absent when the resource already passes the control: there is nothing to change. */
  plan?: Plan<P>;
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
  /** What assess reads to judge the blast radius; the README's blind-spot table is generated from these. */
  signals?: SignalDescription[];
}

/** One signal an assessment reads, and what it cannot see. */
export interface SignalDescription {
  /** What it tells, e.g. "API calls made with the key (management events)". */
  signal: string;
  /** Where it is read, e.g. "cloudtrail:LookupEvents in every enabled region, last 90 days". */
  source: string;
  /** What this source cannot see, e.g. "data events (S3 object, DynamoDB item, SQS message calls)". */
  blindSpots: string;
  /** How the route changes when it cannot be read, e.g. "risk unknown: a person decides". */
  whenMissing: string;
}

/**
 * A control family as the workflow's steps call it: one folder in functions/controls/ holding one definition
 * (define-control.ts), registered in registry.ts. assess reads only; remediate makes the narrowest change; verify
 * re-reads independently (never trusting remediate's return value); rollback restores `change.before`. These methods
 * are the step edge: they take the plan and the change record as they cross a step boundary (`unknown` parameters and
 * sides), parse them with the definition's schemas, and only then run the definition's code with typed values.
 *
 * Retries. Step Functions runs the Remediate task again with the same input after a lost response (Lambda service
 * errors) or throttling (ThrottledError), and the SDK sends a call again when its response was lost; an undo (rollback)
 * is retried the same way. So remediate and rollback are idempotent, and the change record they return describes the
 * whole change, never just the last attempt (test/retry/ holds every control to this):
 *  1. Running again with the same plan (or change) changes nothing more: no second statement, rule, flow log, filter,
 *     alarm or trail. A part already in its target state is done, not an error: a delete that finds nothing to delete,
 *     a create that finds the resource it creates, a revoke of a rule already gone.
 *  2. `before` is the state the change started from. For a part that still differs from its target, that is the live
 *     value. For a part already at its target, it is the value observed before the first attempt: what the plan's
 *     assessment read (every plan carries what it replaces as `parameters.observed`), and for a rollback the change's
 *     `after`. A retry therefore returns the record an uninterrupted run returns, and rollback restores the state from
 *     before the first attempt. (A plan without `observed`, e.g. one made before plans carried it, records the live state.)
 *     A retry cannot tell its own earlier attempt from someone who made the same change after the assessment; the
 *     record then names the assessed state, which is what the approver saw and what an Undo shows before restoring it.
 *  3. `after` is the target state, and `summary` tells the change from `before` to `after` (not the calls of the last
 *     attempt), so the note on a retried run is as true as on a clean one.
 *  4. A resource remediate creates is adopted by a retry only when it is unmistakably the one the plan creates: its
 *     hubfix name (or, for resources without names, exactly the planned settings) and absent when assessed. Anything
 *     else is refused, never claimed (rollback would delete it).
 */
export interface ControlPlugin extends ControlDescription {
  /** The IAM actions of each step: the roles are built from these (infra/permissions.ts). */
  permissions: ControlPermissions;
  /** What the step edge parses a plan's parameters with. */
  planSchema: z.ZodType<unknown>;
  /** What the step edge parses each side of a change record with. */
  changeSchema: z.ZodType<unknown>;
  assess(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment>;
  /** Throws InvalidInputError naming the control when the plan's parameters are not what its planSchema describes. */
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
