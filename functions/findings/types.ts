import type { Requester } from './requester';

/**
 * The data that moves through the workflow. One execution = one finding; every state adds one key
 * to the execution's JSON (ResultPath), so the final Annotate step sees the whole story.
 * Executions may outlive a deployment (an approval waits for days): docs/upgrades.md says what changed between
 * versions of this data and which readers accept the previous one.
 */

/** The finding as hubfix keeps it: the ASFF fields the workflow needs, validated at intake. */
export interface FindingRef {
  /** ASFF `Id` and `ProductArn`: together they identify the finding for BatchUpdateFindings. */
  id: string;
  productArn: string;
  accountId: string;
  /** Region of the finding (where BatchUpdateFindings must be sent in a single-region setup). */
  region: string;
  title: string;
  /** Security Hub control id, e.g. "IAM.3"; for CIS-only findings the mapped consolidated id. */
  controlId: string;
  /** The id as the standard names it, e.g. "CIS 1.2.0 1.4"; equals controlId for consolidated findings. */
  standardControlId: string;
  severity: string;
  complianceStatus: string;
  workflowStatus: string;
  recordState: string;
  updatedAt: string;
  resource: ResourceRef;
}

export interface ResourceRef {
  /** ASFF resource type, e.g. "AwsIamUser". */
  type: string;
  /** ARN or id exactly as the finding gives it (shown as reported, never used to decide). */
  id: string;
  /**
   * The one name of the resource (canonical-resource.ts): the ARN without an IAM path, checked against the finding's
   * account, partition and Details. The lock, email, page, note, audit record and Remediate's target check use it.
   */
  canonicalId: string;
  /** The region the resource lives in (from the ARN where the finding's Resource.Region disagrees). */
  region: string;
  partition: string;
  /** Resource.Details, kept only for the keys a control reads (size matters in execution input). */
  details?: Record<string, unknown>;
  /** Resource.Tags as the finding reports them (exemptions read them; controls read live tags). */
  tags?: Record<string, string>;
}

/** What the analyst asked for: the custom action "Remediate" / "Plan only", or an imported finding. */
export type RequestedAction = 'remediate' | 'plan' | 'undo';
export type Trigger = 'custom-action' | 'imported';

/** The execution input the intake builds for each finding. */
export interface WorkflowInput {
  finding: FindingRef;
  action: RequestedAction;
  trigger: Trigger;
  /** When intake received the event (ISO 8601): the start of time-to-remediate. */
  receivedAt: string;
  /** The person who started the run, when one did (a StartExecution caller that says who it is; never a custom action). */
  requestedBy?: Requester;
}

/**
 * "unknown": a signal the decision needs could not be read (a region disabled or denied, no data-event source, a
 * throttled call). An unseen signal is not a safe one: unknown never takes the automatic route.
 */
export type Risk = 'low' | 'high' | 'unknown';

/** One human-readable fact the decision rests on, with where it came from. */
export interface Evidence {
  fact: string;
  /** The API call or configuration the fact was read from, e.g. "iam:GetAccessKeyLastUsed". */
  source: string;
  /** Where it was read: regions, account, trail or data store ("us-east-1, eu-west-1", "organization trail org-trail"). */
  where?: string;
  /** The time the fact covers ("last 90 days", "2026-11-01 to 2026-11-30"), when it covers one. */
  window?: string;
  /** Set when this evidence line reports a signal that could not be read: it makes the risk unknown. */
  unseen?: boolean;
}

/**
 * The exact change remediation would make. `P` is the control's parameters (its definition's planSchema); across a step
 * boundary they are `unknown` until the step edge parses them (functions/controls/define-control.ts).
 */
export interface Plan<P = unknown> {
  summary: string;
  steps: string[];
  reversible: boolean;
  /** The canonical resource Assess read and the plan changes; Remediate refuses a plan for any other. */
  target?: string;
  /** Control-specific parameters remediate needs (e.g. the key ids to deactivate). */
  parameters: P;
}

export type Route = 'auto' | 'approval' | 'skip';

/**
 * Why a finding took the skip route: decides the outcome Annotate reports. "blocked": the control fails but no
 * safe change exists until a person supplies something (the reason says what). "not-applicable": the resource
 * fails the control but the remediation cannot apply to it (a KMS key type that cannot rotate): not "compliant".
 */
export type SkipKind =
  | 'plan-only'
  | 'compliant'
  | 'unsupported'
  | 'disabled'
  | 'manual'
  | 'blocked'
  | 'not-applicable'
  | 'exempt'
  | 'nothing-to-undo'
  | 'irreversible'
  /** The trust boundary or the configuration refuses the finding (untrusted product, excluded account, mismatch, ...). */
  | 'refused'
  /** Security Hub holds no such finding: nothing to act on, nothing to annotate. */
  | 'not-found'
  /** A blast limit is reached: the automatic path is paused. */
  | 'held';

export interface Assessment {
  controlId: string;
  /** The plugin that handled it; absent when no plugin serves the control. */
  pluginId?: string;
  route: Route;
  /** Set when route is "skip". */
  skip?: SkipKind;
  /** Why this route: shown in the email, the note and `hubfix plan`. */
  routeReason: string;
  risk?: Risk;
  evidence: Evidence[];
  plan?: Plan;
  assessedAt: string;
  /** Set when a blast limit paused the automatic path for this run: which cap (blast-limits.ts). */
  held?: string;
}

/**
 * What remediation (or rollback) changed: enough to undo it. `S` is what each side holds (the control's changeSchema);
 * across a step boundary it is `unknown` until the step edge parses it.
 */
export interface ChangeRecord<S = unknown> {
  summary: string;
  before: S;
  after: S;
  changedAt: string;
  reversible: boolean;
}

export interface Verification {
  verified: true;
  /** What the independent re-read observed. */
  observed: string;
  checkedAt: string;
}

export type Decision = 'approved' | 'rejected';

/** One vote, with the voter's identity as their identity provider verified it at sign-in (never a typed name). */
export interface ApprovalVote {
  issuer: string;
  subject: string;
  email?: string;
  name?: string;
  /** The provider's `preferred_username`: compared with an AWS requester's user name (no self-approval). */
  username?: string;
  groups: string[];
  channel: 'web' | 'slack';
  decision: 'approve' | 'reject';
  reason: string;
  /** ISO 8601. */
  at: string;
}

/** What the approval API sends back through SendTaskSuccess (fields may be added, never renamed: docs/upgrades.md). */
export interface ApprovalDecision {
  decision: Decision;
  /** Every deciding approver, verified name and email ("Ana <ana@example.com> and Bo <bo@example.com>"). */
  approver: string;
  reason: string;
  decidedAt: string;
  /** The votes that decided, with each voter's verified identity (absent in decisions from before sign-in). */
  votes?: ApprovalVote[];
}

/** The error Step Functions records when a Catch fires: `{ Error, Cause }`. */
export interface StepError {
  Error: string;
  Cause?: string;
}

/**
 * The task states whose failure Annotate reports, by the key their Catch writes: `ResultPath: "$.failure.<step>"`
 * (statemachines/remediate-finding.asl.json). Annotate's own Catch writes `$.failure.annotate` and ends the run in
 * AnnotationFailed, so Annotate never reads it.
 */
export const FAILED_STEPS = ['assess', 'requestApproval', 'remediate', 'verify'] as const;
export type FailedStep = (typeof FAILED_STEPS)[number];

/** What one Catch recorded: exactly one key, the step that failed, holding the error. */
export type StepFailure = { [S in FailedStep]: { [K in S]: StepError } & { [K in Exclude<FailedStep, S>]?: never } }[FailedStep];

/** What the workflow knows from the steps that ran: each adds one key (Assess returns the whole state). */
export interface RunState extends WorkflowInput {
  assessment?: Assessment;
  approval?: ApprovalDecision;
  change?: ChangeRecord;
  verification?: Verification;
}

/**
 * Everything the workflow knows when it reaches Annotate: either its path ended on its own (no failure), or a
 * step's Catch recorded under `failure` which step failed and why. The failure is data the definition wrote, never
 * inferred from which other keys are missing (except for states of definition version 1: workflow-failure.ts).
 */
export type WorkflowState = (RunState & { failure?: undefined }) | (RunState & { failure: StepFailure });

export type Outcome =
  | 'resolved' // remediated and verified
  | 'undone' // a fix hubfix made was rolled back and the previous state verified
  | 'planned' // plan-only: assessed, nothing changed
  | 'skipped' // unsupported, manual-only, off, exempt: nothing changed
  | 'rejected' // approver said no
  | 'timed-out' // nobody answered in time
  | 'failed'; // a step failed; the note says which and what changed
