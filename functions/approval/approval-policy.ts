import type { HubfixConfig } from '../platform/config';
import type { ApprovalRecord, Requester, VerifiedPerson } from './approval-store';

/**
 * Who may decide one approval, from the configuration's `approvalPolicy`: the groups a voter must belong to and how
 * many distinct approvers it takes. Read again at every vote, so a changed policy or a person removed from a group
 * counts at once, whatever a link or an old session says.
 */
export interface ApprovalRequirement {
  /** Each entry is one requirement: the voter belongs to at least one group of every entry. */
  groupSets: string[][];
  quorum: number;
}

type Rule = HubfixConfig['approvalPolicy']['rules'][number];

const ruleMatches = (config: HubfixConfig, rule: Rule, record: ApprovalRecord): boolean => {
  const { finding, assessment } = record;
  const ous = config.organization.accountsByOu;
  return (
    (!rule.controlIds || rule.controlIds.includes(finding.controlId)) &&
    (!rule.accountIds || rule.accountIds.includes(finding.accountId)) &&
    (!rule.organizationalUnits || rule.organizationalUnits.some((ou) => (ous[ou] ?? []).includes(finding.accountId))) &&
    (!rule.severities || rule.severities.some((s) => s === finding.severity.toUpperCase())) &&
    (!rule.highRiskOnly || assessment.risk === 'high')
  );
};

export const approvalRequirement = (config: HubfixConfig, record: ApprovalRecord): ApprovalRequirement => {
  const { approvalPolicy } = config;
  const rules = approvalPolicy.rules.filter((rule) => ruleMatches(config, rule, record));
  // A risk that is not known to be low counts as high: an unreadable signal must not lower the bar.
  const highRisk = record.assessment.risk !== 'low';
  return {
    groupSets: rules.length > 0 ? rules.map((rule) => rule.approverGroups) : [approvalPolicy.approverGroups],
    quorum: Math.max(1, highRisk ? approvalPolicy.highRiskQuorum : 1, ...rules.map((rule) => rule.quorum)),
  };
};

const sameName = (a?: string, b?: string): boolean => !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * The person who started the run: the same identity provider subject, the same verified email, or (a run an AWS
 * principal started) the principal's user name, an IAM Identity Center session name, equal to the voter's email or
 * preferred username, case-insensitive.
 */
export const isRequester = (voter: VerifiedPerson, requester: Requester | undefined): boolean =>
  !!requester &&
  ((requester.issuer === voter.issuer && requester.subject !== undefined && requester.subject === voter.subject) ||
    sameName(requester.email, voter.email) ||
    sameName(requester.userName, voter.email) ||
    sameName(requester.userName, voter.username));

/** Why this person may not vote on this approval, or undefined when they may. */
export const refusalFor = (
  requirement: ApprovalRequirement,
  record: ApprovalRecord,
  voter: VerifiedPerson,
  decision: 'approve' | 'reject',
): string | undefined => {
  const missing = requirement.groupSets.find((set) => !set.some((group) => voter.groups.includes(group)));
  if (missing) return `You are not in an approver group for this request (one of: ${missing.join(', ')}).`;
  if (decision === 'approve' && isRequester(voter, record.requestedBy)) return 'You started this run, so you cannot approve it.';
  // One person may hold an identity per channel (the page's IdP, Slack): the same email is the same person.
  if (record.votes.some((vote) => (vote.issuer === voter.issuer && vote.subject === voter.subject) || sameName(vote.email, voter.email))) {
    return 'You have already voted on this request; each person votes once.';
  }
  return undefined;
};

/** How a person is named in notes, the audit trail and the report: name and verified email, else the subject. */
export const displayName = (person: Pick<VerifiedPerson, 'name' | 'email' | 'subject'>): string => {
  const name = person.name?.trim();
  const email = person.email?.trim();
  if (name && email) return `${name} <${email}>`;
  return name || email || person.subject;
};
