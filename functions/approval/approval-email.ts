import { evidenceSource } from '../findings/evidence';
import { describeRequester } from '../findings/requester';
import { emailText } from '../platform/untrusted-text';
import { formatTime } from './approval-page';
import type { ApprovalRecord } from './approval-store';
import type { FindingRef } from '../findings/types';

/**
 * The approval email, for either workflow: one finding's remediation, or a control-hygiene batch. Both carry one link
 * to the same confirmation page; only what they list differs.
 */

const SUBJECT_LIMIT = 100;

/** SNS email subjects: ASCII, one line, at most 100 characters. */
const subjectLine = (text: string): string => {
  const subject = text
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/\s+/g, ' ')
    .trim();
  return subject.length <= SUBJECT_LIMIT ? subject : `${subject.slice(0, SUBJECT_LIMIT - 3)}...`;
};

export const emailSubject = (finding: FindingRef): string =>
  subjectLine(`[hubfix] Approval needed: ${finding.controlId} on ${finding.resource.canonicalId} (${finding.accountId})`);

export const batchEmailSubject = (finding: Pick<FindingRef, 'title'>): string => subjectLine(`[hubfix] Approval needed: ${finding.title}`);

const howToDecide = (link: string): string[] => [
  'TO APPROVE OR REJECT',
  'Open this link. It opens a confirmation page; nothing happens until you press Approve or Reject there:',
  link,
  '',
];

/**
 * The plain-text email of a remediation: what, where, why a person must decide, the evidence, the plan, and one link.
 * Every value that comes from a finding or from what a control read (titles, ids, tags, user agents) is one line,
 * capped and defanged (emailText): no forged block, no link but hubfix's own.
 */
export const emailMessage = (record: ApprovalRecord, link: string): string => {
  const { finding, assessment } = record;
  const t = (text: string, limit?: number) => emailText(text, limit);
  const why =
    record.trigger === 'imported'
      ? `Security Hub reported this finding and hubfix did NOT fix it automatically, because: ${t(assessment.routeReason, 1_000)}`
      : `Someone asked hubfix to remediate this finding. It needs a person's decision because: ${t(assessment.routeReason, 1_000)}`;
  const plan = assessment.plan;
  const reported = finding.resource.id === finding.resource.canonicalId ? '' : ` (reported as ${t(finding.resource.id, 200)})`;
  const standard =
    finding.standardControlId && finding.standardControlId !== finding.controlId ? ` (${t(finding.standardControlId, 60)})` : '';
  return [
    'A Security Hub finding needs your decision.',
    '',
    `Resource:  ${t(finding.resource.type, 100)} ${t(finding.resource.canonicalId, 300)}${reported}`,
    `Account:   ${t(finding.accountId, 20)}`,
    `Region:    ${t(finding.resource.region || finding.region, 30)}`,
    `Control:   ${t(finding.controlId, 40)}${standard}`,
    `Severity:  ${t(finding.severity, 20)}`,
    `Finding:   ${t(finding.title, 200)}`,
    '',
    'WHY A PERSON MUST DECIDE',
    t(describeRequester(record.requestedBy, record.trigger), 1_000),
    why,
    ...(assessment.risk ? [`Risk: ${t(assessment.risk, 20)}`] : []),
    '',
    'EVIDENCE',
    ...(assessment.evidence.length > 0
      ? assessment.evidence.slice(0, 30).map((e) => `- ${t(e.fact)} (${t(evidenceSource(e), 300)})`)
      : ['- none recorded']),
    '',
    'THE CHANGE IF APPROVED',
    ...(plan
      ? [
          `On: ${t(plan.target ?? finding.resource.canonicalId, 300)}`,
          t(plan.summary),
          ...plan.steps.slice(0, 30).map((step, index) => `${index + 1}. ${t(step)}`),
          plan.reversible ? 'Reversible: yes (the previous state is recorded for rollback).' : 'Reversible: NO.',
        ]
      : ['No plan was recorded: approving changes nothing.']),
    '',
    ...howToDecide(link),
    `The link expires ${formatTime(record.expiresAt)}. After that hubfix stops waiting and notes on the finding that nobody decided.`,
    `Workflow execution: ${record.executionId}`,
  ].join('\n');
};

/** The plain-text email of a control-hygiene batch: what it does, the full list with each reason, and one link. */
export const batchEmailMessage = (record: ApprovalRecord, link: string): string => {
  const { finding, assessment } = record;
  const plan = assessment.plan;
  return [
    'A batch of Security Hub control changes needs your decision.',
    '',
    `Batch:     ${finding.title}`,
    `Accounts:  ${finding.accountId}`,
    `Regions:   ${finding.region}`,
    '',
    'WHY',
    emailText(describeRequester(record.requestedBy, 'batch'), 1_000),
    assessment.routeReason,
    '',
    `THE CONTROLS (${assessment.evidence.length}), EACH WITH THE REASON RECORDED ON IT`,
    ...assessment.evidence.map((e) => `- ${e.fact}`),
    '',
    'THE CHANGE IF APPROVED',
    ...(plan
      ? [plan.summary, 'Reversible: yes (hubfix controls enable --from <the execution output> restores them).']
      : ['No plan was recorded: approving changes nothing.']),
    '',
    ...howToDecide(link),
    `The link expires ${formatTime(record.expiresAt)}. After that hubfix stops waiting and changes nothing.`,
    `Workflow execution: ${record.executionId}`,
  ].join('\n');
};

/** The email of a stored approval, by what it is for. */
export const approvalEmail = (record: ApprovalRecord, link: string): { subject: string; message: string } =>
  record.kind === 'control-hygiene'
    ? { subject: batchEmailSubject(record.finding), message: batchEmailMessage(record, link) }
    : { subject: emailSubject(record.finding), message: emailMessage(record, link) };
