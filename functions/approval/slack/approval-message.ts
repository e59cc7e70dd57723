import type { ActionsBlock, KnownBlock, PlainTextElement } from '@slack/web-api';
import { defang, oneLine } from '../../platform/untrusted-text';
import { formatTime } from '../approval-page';
import type { ApprovalRecord } from '../approval-store';

/**
 * The Slack message of an approval: the finding, the risk, the evidence summary, the plan and Approve / Reject buttons;
 * once decided, the same facts with the outcome instead of the buttons. Everything from a finding or from what a control
 * read goes into plain_text objects (Slack renders no mrkdwn, mention or emoji there), made one line, defanged and with
 * Slack's three control characters escaped, so a title cannot format, mention (@channel, <!here>, <@U…>) or link.
 */

export const APPROVE_ACTION_ID = 'hubfix_approve';
export const REJECT_ACTION_ID = 'hubfix_reject';
export const ACTIONS_BLOCK_ID = 'hubfix_decision';

/** Slack's limits: header 150, section text 3000, field 2000 characters; 10 fields. */
const HEADER_LIMIT = 150;
const SECTION_LIMIT = 3_000;
const FIELD_LIMIT = 2_000;
const EVIDENCE_SHOWN = 10;
const STEPS_SHOWN = 10;

/** Slack's escaping of &, < and > (https://api.slack.com/reference/surfaces/formatting#escaping). */
const escapeControl = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Hostile text made safe for a Slack text object: one line, defanged, escaped, capped. */
export const slackText = (text: string, limit = 500): string => escapeControl(defang(oneLine(text, limit)));

const plain = (text: string, limit = SECTION_LIMIT): PlainTextElement => ({
  type: 'plain_text',
  text: text.length <= limit ? text : `${text.slice(0, limit - 1)}…`,
  emoji: false,
});

const section = (text: string): KnownBlock => ({ type: 'section', text: plain(text) });

/** A heading and as many lines as fit in one section (at most `max`), then how many were left out. */
const listWithin = (heading: string, lines: string[], max: number): string => {
  const shown: string[] = [];
  let length = heading.length;
  for (const line of lines.slice(0, max)) {
    if (length + line.length + 1 > SECTION_LIMIT - 40) break;
    shown.push(line);
    length += line.length + 1;
  }
  const left = lines.length - shown.length;
  return [heading, ...shown, ...(left > 0 ? [`… and ${left} more (the approval page lists them all)`] : [])].join('\n');
};

/** The finding (or control-hygiene batch), why a person decides, the evidence and the plan: the same facts as the email and the page. */
const findingBlocks = (record: ApprovalRecord): KnownBlock[] =>
  record.kind === 'control-hygiene' ? batchBlocks(record) : remediationBlocks(record);

/** A control-hygiene batch: no finding, accounts and regions instead, every control association listed as evidence. */
const batchBlocks = (record: ApprovalRecord): KnownBlock[] => {
  const { finding, assessment } = record;
  const t = slackText;
  const reasons = assessment.evidence.map((e) => `• ${t(e.fact, 250)}`);
  return [
    { type: 'header', text: plain('Approval needed: a control-hygiene batch', HEADER_LIMIT) },
    {
      type: 'section',
      fields: [plain(`Accounts: ${t(finding.accountId, 500)}`, FIELD_LIMIT), plain(`Regions: ${t(finding.region, 300)}`, FIELD_LIMIT)],
    },
    section(`Batch: ${t(finding.title, 300)}`),
    section(`Why a person must decide: ${t(assessment.routeReason, 1_000)}`),
    section(listWithin('Each control and why:', reasons, EVIDENCE_SHOWN)),
    section(planText(assessment.plan)),
  ];
};

const planText = (plan: ApprovalRecord['assessment']['plan']): string =>
  plan
    ? [
        `The change if approved: ${slackText(plan.summary, 500)}`,
        ...plan.steps.slice(0, STEPS_SHOWN).map((step, i) => `${i + 1}. ${slackText(step, 200)}`),
        ...(plan.steps.length > STEPS_SHOWN ? [`… and ${plan.steps.length - STEPS_SHOWN} more (the approval page lists them all)`] : []),
        plan.reversible ? 'Reversible: yes (the previous state is recorded for rollback).' : 'Reversible: NO.',
      ].join('\n')
    : 'No plan was recorded: approving changes nothing.';

const remediationBlocks = (record: ApprovalRecord): KnownBlock[] => {
  const { finding, assessment } = record;
  const t = slackText;
  const reported = finding.resource.id === finding.resource.canonicalId ? '' : ` (reported as ${t(finding.resource.id, 200)})`;
  const evidence = assessment.evidence.map((e) => `• ${t(e.fact, 250)} (${t(e.source, 100)})`);
  return [
    { type: 'header', text: plain(`Approval needed: ${t(finding.controlId, 40)} in ${t(finding.accountId, 20)}`, HEADER_LIMIT) },
    {
      type: 'section',
      fields: [
        plain(`Resource: ${t(finding.resource.type, 100)} ${t(finding.resource.canonicalId, 300)}${reported}`, FIELD_LIMIT),
        plain(`Account: ${t(finding.accountId, 20)}   Region: ${t(finding.resource.region || finding.region, 30)}`, FIELD_LIMIT),
        plain(`Control: ${t(finding.controlId, 40)}   Severity: ${t(finding.severity, 20)}`, FIELD_LIMIT),
        plain(`Risk: ${t(assessment.risk ?? 'not assessed', 20)}`, FIELD_LIMIT),
      ],
    },
    section(`Finding: ${t(finding.title, 300)}`),
    section(`Why a person must decide: ${t(assessment.routeReason, 1_000)}`),
    section(evidence.length > 0 ? listWithin('Evidence:', evidence, EVIDENCE_SHOWN) : 'Evidence:\n• none recorded'),
    section(planText(assessment.plan)),
  ];
};

const decisionButtons = (record: ApprovalRecord): ActionsBlock => {
  const approvalId = record.approvalId;
  const rejected =
    record.kind === 'control-hygiene'
      ? 'Nothing will be changed; the batch is recorded as rejected by you.'
      : 'Nothing will be changed; the finding is noted as rejected by you.';
  return {
    type: 'actions',
    block_id: ACTIONS_BLOCK_ID,
    elements: [
      {
        type: 'button',
        action_id: APPROVE_ACTION_ID,
        value: approvalId,
        style: 'primary',
        text: plain('Approve'),
        confirm: {
          title: plain('Approve this change?'),
          text: plain('hubfix will make the change described above, as you, once the approval policy is met.'),
          confirm: plain('Approve'),
          deny: plain('Cancel'),
        },
      },
      {
        type: 'button',
        action_id: REJECT_ACTION_ID,
        value: approvalId,
        style: 'danger',
        text: plain('Reject'),
        confirm: {
          title: plain('Reject this change?'),
          text: plain(rejected),
          confirm: plain('Reject'),
          deny: plain('Cancel'),
        },
      },
    ],
  };
};

/** Fallback text for notifications: hubfix's own words and the escaped control id only. */
export const approvalFallbackText = (record: ApprovalRecord): string =>
  record.kind === 'control-hygiene'
    ? 'hubfix: approval needed for a control-hygiene batch'
    : `hubfix: approval needed for ${slackText(record.finding.controlId, 40)} in account ${slackText(record.finding.accountId, 20)}`;

/** The message posted when an approval is requested. */
export const approvalRequestBlocks = (record: ApprovalRecord): KnownBlock[] => [
  ...findingBlocks(record),
  { type: 'context', elements: [plain(`Expires ${formatTime(record.expiresAt)}. Execution ${slackText(record.executionId, 200)}.`)] },
  decisionButtons(record),
];

/** Who voted, as the message shows them: name and email as verified (page) or mapped (Slack), escaped all the same. */
export interface VoterLabel {
  name?: string;
  email?: string;
  subject: string;
  channel: 'web' | 'slack';
}

const voterText = (voter: VoterLabel): string =>
  [
    voter.name && slackText(voter.name, 100),
    voter.email && slackText(voter.email, 200),
    voter.channel === 'slack' ? `(Slack ${slackText(voter.subject, 30)})` : '(signed in on the approval page)',
  ]
    .filter(Boolean)
    .join(' ');

/** The message once the policy decided: the facts, the outcome and every deciding voter, no buttons. */
export const decidedBlocks = (
  record: ApprovalRecord,
  decided: 'approved' | 'rejected',
  voters: VoterLabel[],
  at: Date,
  workflowStopped = false,
): KnownBlock[] => [
  ...findingBlocks(record),
  section(
    `${decided === 'approved' ? 'APPROVED' : 'REJECTED'} at ${formatTime(at.toISOString())} by ${voters.map(voterText).join(' and ')}.` +
      (workflowStopped ? ' The run had already stopped waiting: nothing was changed.' : ''),
  ),
];

/** The message while a quorum is incomplete: the facts, the count so far, the buttons still there. */
export const partialBlocks = (record: ApprovalRecord, approvals: number, needed: number, voter: VoterLabel): KnownBlock[] => [
  ...findingBlocks(record),
  section(`${approvals} of ${needed} approvals so far; the latest by ${voterText(voter)}.`),
  decisionButtons(record),
];

/** Why an approval closed without a decision. */
export type ClosedReason = 'expired' | 'stopped' | 'failed';

const CLOSED_TEXT: Readonly<Record<ClosedReason, string>> = {
  expired: 'EXPIRED: nobody decided before the approval timed out; nothing was changed.',
  stopped: 'CLOSED: the run was stopped before anyone decided; nothing was changed.',
  failed: 'CLOSED: the run ended with an error before anyone decided; nothing was changed.',
};

/** The message once the run stopped waiting without a decision: the facts, why it closed, no buttons. */
export const closedBlocks = (record: ApprovalRecord, reason: ClosedReason, at: Date): KnownBlock[] => [
  ...findingBlocks(record),
  section(`${CLOSED_TEXT[reason]} (${formatTime(at.toISOString())})`),
];
