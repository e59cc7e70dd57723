import type { Requester } from '../findings/requester';

/**
 * Data of the control-hygiene audit and batch workflow (statemachines/control-hygiene.asl.json).
 * One execution = one batch of control association changes across accounts and regions.
 */

export type AssociationStatus = 'ENABLED' | 'DISABLED';

/** Why a control is proposed for disabling. */
export type HygieneKind = 'global-outside-home-region' | 'duplicate-across-standards' | 'no-resources';

/** One control in one standard of one account and region: what BatchUpdateStandardsControlAssociations addresses. */
export interface ControlAssociation {
  accountId: string;
  region: string;
  standardsArn: string;
  securityControlId: string;
}

export interface HygieneCandidate extends ControlAssociation {
  kind: HygieneKind;
  /** Human-readable reason: shown in the audit, the approval email and recorded as UpdatedReason. */
  why: string;
  /** Failed, active findings that disabling this association (with the other candidates) removes. */
  failedFindings: number;
  /** Proposed for the batch by default (no-resources candidates are listed but not selected: new resources would go unchecked). */
  selected: boolean;
}

export interface RegionAudit {
  accountId: string;
  region: string;
  homeRegion: boolean;
  consolidatedFindings: boolean;
  enabledStandards: string[];
  enabledAssociations: number;
  failedFindingsBefore: number;
  /** After disabling the selected candidates (Security Hub archives findings of controls disabled in all their standards). */
  failedFindingsAfter: number;
  candidates: HygieneCandidate[];
  /** Regions where Security Hub is not enabled, or could not be read. */
  skipped?: string;
}

export interface AuditReport {
  homeRegion: string;
  generatedAt: string;
  regions: RegionAudit[];
  totals: { candidates: number; selected: number; failedFindingsBefore: number; failedFindingsAfter: number };
}

/** One requested change in a batch. */
export interface ControlChangeRequest extends ControlAssociation {
  status: AssociationStatus;
  reason: string;
}

export type BatchMode = 'disable' | 'enable';

/** The workflow's input: the audit's selection (disable) or a previous run's change list (enable). */
export interface HygieneBatchInput {
  mode: BatchMode;
  changes: ControlChangeRequest[];
  /** Who asked for the batch (CLI user, pipeline); recorded with every change. */
  requestedBy: string;
  /** The caller the starting command's credentials name (sts:GetCallerIdentity): they cannot approve the batch. */
  requester?: Requester;
}

/** Changes of one account and region: one Map iteration, one BatchUpdateStandardsControlAssociations call. */
export interface ChangeGroup {
  accountId: string;
  region: string;
  changes: ControlChangeRequest[];
}

/** A change as made: before/after status and reason, so it can be reversed. */
export interface ControlChange extends ControlAssociation {
  before: { status: AssociationStatus | 'UNKNOWN'; reason?: string };
  after: { status: AssociationStatus | 'UNKNOWN'; reason?: string };
  reason: string;
  outcome: 'changed' | 'unchanged' | 'failed';
  error?: string;
  changedAt: string;
  executionId: string;
  approvedBy?: string;
}

/** The execution output: the change list `hubfix controls enable --from` reverses. */
export interface HygieneRunRecord {
  kind: 'hubfix-control-hygiene';
  mode: BatchMode;
  status: 'applied' | 'partially-applied' | 'rejected' | 'timed-out' | 'failed' | 'nothing-to-do';
  executionId: string;
  requestedBy: string;
  approval?: { decision: string; approver?: string; reason?: string; decidedAt?: string };
  changes: ControlChange[];
  counts: { requested: number; changed: number; unchanged: number; failed: number };
  error?: { Error: string; Cause?: string };
}
