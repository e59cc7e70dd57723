import { describeRequester } from '../findings/requester';
import { evidenceSource } from '../findings/evidence';
import { createHash } from 'node:crypto';
import type { ApprovalRecord, VerifiedPerson } from './approval-store';
import { displayName } from './approval-policy';

/**
 * The approval pages: plain server-rendered HTML, no scripts, every value escaped. The page itself never
 * decides anything; only its form's POST does.
 */

export interface HtmlResponse {
  statusCode: number;
  headers: Record<string, string>;
  /** Set-Cookie (API Gateway's proxy result carries repeated headers here). */
  multiValueHeaders?: Record<string, string[]>;
  body: string;
}

const STYLE =
  `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f5f7;color:#16191f;line-height:1.45}
main{max-width:46rem;margin:2rem auto;background:#fff;border:1px solid #d5dbdb;border-radius:8px;padding:1.5rem 2rem}
h1{font-size:1.4rem;margin:0 0 1rem}h2{font-size:1.05rem;margin:1.5rem 0 .5rem;border-bottom:1px solid #eaeded;padding-bottom:.25rem}
dl{display:grid;grid-template-columns:9rem 1fr;gap:.25rem 1rem;margin:0}dt{color:#545b64}dd{margin:0;word-break:break-all}
.source{color:#545b64;font-size:.85rem}.notice{background:#f1faff;border-left:4px solid #0073bb;padding:.5rem 1rem}
.error{background:#fff0f0;border-left:4px solid #d13212;padding:.5rem 1rem}.ok{background:#f2fcf3;border-left:4px solid ` +
  `#1d8102;padding:.5rem 1rem}
.risk-high{color:#d13212;font-weight:600}.risk-low{color:#1d8102;font-weight:600}.risk-unknown{color:#8a6d00;font-weight:600}
ol.steps li{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88rem;word-break:break-all}
label{display:block;font-weight:600;margin-top:1rem}
input[type=text],textarea{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #879596;border-radius:4px;font:inherit}
.hint{font-weight:normal;color:#545b64;font-size:.85rem}.buttons{margin-top:1.25rem;display:flex;gap:1rem}
button{font:inherit;font-weight:600;padding:.6rem 1.4rem;border-radius:4px;border:1px solid;cursor:pointer}
.approve{background:#1d8102;border-color:#1d8102;color:#fff}.reject{background:#fff;border-color:#d13212;color:#d13212}
footer{max-width:46rem;margin:0 auto 2rem;color:#545b64;font-size:.8rem;text-align:center}
`;

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** Security headers of every page: nothing loads, nothing frames it, nothing caches or indexes it. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy':
    `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'; frame-ancestors 'none'; ` + `base-uri 'none'`,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Robots-Tag': 'noindex, nofollow',
  'X-Frame-Options': 'DENY',
};

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export const escapeHtml = (value: unknown): string => String(value ?? '').replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c]);

/** "2025-01-31 14:05 UTC": the same wording in the email and on the page. */
export const formatTime = (epochSecondsOrIso: number | string): string => {
  const date = typeof epochSecondsOrIso === 'number' ? new Date(epochSecondsOrIso * 1000) : new Date(epochSecondsOrIso);
  return Number.isNaN(date.getTime()) ? String(epochSecondsOrIso) : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
};

const layout = (title: string, content: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)} · hubfix</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${content}
</main>
<footer>hubfix · Security Hub remediation</footer>
</body>
</html>
`;

export const htmlResponse = (
  statusCode: number,
  title: string,
  content: string,
  extraHeaders: Record<string, string> = {},
): HtmlResponse => ({
  statusCode,
  headers: { ...PAGE_HEADERS, ...extraHeaders },
  body: layout(title, content),
});

/** The canonical resource (readApprovalRecord fills it in records stored before it existed). */
const resourceOf = (record: ApprovalRecord): string => record.finding.resource.canonicalId;

const findingSummary = (record: ApprovalRecord): string => {
  const { finding } = record;
  const reported =
    finding.resource.id !== resourceOf(record) ? ` <span class="source">(reported as ${escapeHtml(finding.resource.id)})</span>` : '';
  const standardId =
    finding.standardControlId && finding.standardControlId !== finding.controlId ? ` (${escapeHtml(finding.standardControlId)})` : '';
  return `<dl>
<dt>Control</dt><dd>${escapeHtml(finding.controlId)}${standardId}</dd>
<dt>Finding</dt><dd>${escapeHtml(finding.title)}</dd>
<dt>Account</dt><dd>${escapeHtml(finding.accountId)}</dd>
<dt>Region</dt><dd>${escapeHtml(finding.resource.region || finding.region)}</dd>
<dt>Resource</dt><dd>${escapeHtml(finding.resource.type)}: ${escapeHtml(resourceOf(record))}${reported}</dd>
<dt>Severity</dt><dd>${escapeHtml(finding.severity)}</dd>
</dl>`;
};

const whyAndEvidence = (record: ApprovalRecord): string => {
  const { assessment } = record;
  const risk = assessment.risk
    ? `<p>Risk: <span class="risk-${escapeHtml(assessment.risk)}">${escapeHtml(assessment.risk)}</span></p>`
    : '';
  const imported =
    record.trigger === 'imported'
      ? '<p>Security Hub reported this finding and hubfix did <strong>not</strong> fix it automatically, for the reason below.</p>'
      : '';
  const evidence =
    assessment.evidence.length > 0
      ? `<ul>${assessment.evidence
          .map((e) => `<li>${escapeHtml(e.fact)} <span class="source">(${escapeHtml(evidenceSource(e))})</span></li>`)
          .join('\n')}</ul>`
      : '<p>No evidence was recorded.</p>';
  const requested = describeRequester(record.requestedBy, record.kind === 'control-hygiene' ? 'batch' : record.trigger);
  return `<h2>Why a person must decide</h2>
<p class="requester">${escapeHtml(requested)}</p>
${imported}<p>${escapeHtml(assessment.routeReason)}</p>
${risk}
<h2>Evidence</h2>
${evidence}`;
};

const planSection = (record: ApprovalRecord): string => {
  const { plan } = record.assessment;
  if (!plan) return '<h2>The change</h2><p>No plan was recorded: approving changes nothing.</p>';
  const steps = plan.steps.length > 0 ? `<ol class="steps">${plan.steps.map((s) => `<li>${escapeHtml(s)}</li>`).join('\n')}</ol>` : '';
  return `<h2>The change if you approve</h2>
<p>On <strong>${escapeHtml(plan.target ?? resourceOf(record))}</strong>: ${escapeHtml(plan.summary)}</p>
${steps}
<p>${
    plan.reversible
      ? 'Reversible: hubfix records the previous state so the change can be rolled back.'
      : '<strong>Not reversible</strong>: this change cannot be undone automatically.'
  }</p>`;
};

export interface FormState {
  reason?: string;
  /** Shown above the form when a submission was refused (e.g. a rejection without a reason). */
  error?: string;
}

/** Who is signed in, what the policy asks of this approval, and why this person may not decide it (if so). */
export interface SignedInView {
  person: VerifiedPerson;
  csrf: string;
  needed: number;
  refusal?: string;
}

type LinkFields = { expires: string; signature: string };

const linkQuery = (link: LinkFields): string => new URLSearchParams({ e: link.expires, s: link.signature }).toString();

const votesSoFar = (record: ApprovalRecord, needed: number): string => {
  const approvals = record.votes.filter((vote) => vote.decision === 'approve');
  if (needed <= 1 && approvals.length === 0) return '';
  const who = approvals.length > 0 ? `: ${approvals.map((vote) => escapeHtml(displayName(vote))).join(', ')}` : '';
  return `<p class="notice">This request needs ${needed} different approvers; ${approvals.length} approved so far${who}.</p>`;
};

/** Before sign-in the link shows nothing about the finding: it only names which approval to sign in for. */
export const renderSignInPage = (approvalId: string, link: LinkFields, statusCode = 200): HtmlResponse =>
  htmlResponse(
    statusCode,
    'Sign in to decide',
    `<h1>Sign in to see this approval request</h1>
<p class="notice">hubfix shows the request and accepts a decision only from a person who signed in. Nothing happens until you press ` +
      `Approve or Reject after signing in.</p>
<p><a href="./${encodeURIComponent(approvalId)}/sign-in?${escapeHtml(linkQuery(link))}">Sign in</a></p>`,
  );

/** After the identity provider sent the person back: a same-site step to the approval page, so the Strict cookie goes along. */
export const renderSignedInPage = (person: VerifiedPerson, pageUrl: string, setCookies: string[]): HtmlResponse => ({
  ...htmlResponse(
    200,
    'Signed in',
    `<h1>Signed in as ${escapeHtml(displayName(person))}</h1>
<p class="ok"><a href="${escapeHtml(pageUrl)}">Continue to the approval request</a></p>`,
    { Refresh: `0; url=${pageUrl}` },
  ),
  multiValueHeaders: { 'Set-Cookie': setCookies },
});

/** The confirmation page: everything the approver needs, and a form that POSTs the decision. */
export const renderApprovalPage = (
  record: ApprovalRecord,
  link: LinkFields,
  view: SignedInView,
  form: FormState = {},
  statusCode = 200,
): HtmlResponse => {
  const error = form.error ? `<p class="error" role="alert">${escapeHtml(form.error)}</p>` : '';
  const signedIn =
    `<p>Signed in as <strong>${escapeHtml(displayName(view.person))}</strong> <span ` +
    `class="source">(${escapeHtml(view.person.issuer)})</span></p>`;
  const decide = view.refusal
    ? `<p class="error" role="alert">You cannot decide this request: ${escapeHtml(view.refusal)} Nothing was changed.</p>`
    : `${error}<form method="post" action="./${encodeURIComponent(record.approvalId)}">
<input type="hidden" name="e" value="${escapeHtml(link.expires)}">
<input type="hidden" name="s" value="${escapeHtml(link.signature)}">
<input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}">
<label for="reason">Reason <span class="hint">(required to reject; recorded on the finding)</span></label>
<textarea id="reason" name="reason" rows="3" maxlength="500">${escapeHtml(form.reason ?? '')}</textarea>
<div class="buttons">
<button type="submit" name="decision" value="approve" class="approve">Approve</button>
<button type="submit" name="decision" value="reject" class="reject">Reject</button>
</div>
</form>`;
  const content = `<h1>Approve a change to ${escapeHtml(resourceOf(record))}?</h1>
<p class="notice">Nothing happens until you press Approve or Reject. This request expires ${escapeHtml(formatTime(record.expiresAt))}.</p>
${findingSummary(record)}
${whyAndEvidence(record)}
${planSection(record)}
<h2>Your decision</h2>
${signedIn}
${votesSoFar(record, view.needed)}
${decide}`;
  return htmlResponse(statusCode, `Approve ${record.finding.controlId}?`, content);
};

/** A vote that counted but did not decide: the quorum needs more people. */
export const renderVoteRecordedPage = (record: ApprovalRecord, approvals: number, needed: number): HtmlResponse =>
  htmlResponse(
    200,
    'Vote recorded',
    `<h1>Your approval is recorded</h1>
<p class="ok">${approvals} of ${needed} approvals. Nothing changes until ${needed - approvals} more ` +
      `approver${needed - approvals === 1 ? '' : 's'} agree${needed - approvals === 1 ? 's' : ''}; a single rejection stops it.</p>
<h2>Finding</h2>
${findingSummary(record)}`,
  );

const decisionWords = (record: ApprovalRecord): string => {
  const verb = record.status === 'APPROVED' ? 'approved' : 'rejected';
  const reason = record.reason ? `<dt>Reason</dt><dd>${escapeHtml(record.reason)}</dd>` : '';
  const verified = record.votes
    .filter((vote) => (record.status === 'APPROVED' ? vote.decision === 'approve' : vote.decision === 'reject'))
    .map(
      (vote) =>
        `<dt>Verified</dt><dd>${escapeHtml(displayName(vote))} <span class="source">(${escapeHtml(vote.issuer)}, subject ` +
        `${escapeHtml(vote.subject)})</span></dd>`,
    )
    .join('\n');
  return `<dl>
<dt>Decision</dt><dd>${verb}</dd>
<dt>By</dt><dd>${escapeHtml(record.approver ?? 'unknown')}</dd>
${verified}
<dt>At</dt><dd>${escapeHtml(record.decidedAt ? formatTime(record.decidedAt) : 'unknown')}</dd>
${reason}
</dl>`;
};

/** After a successful POST. */
export const renderDecidedPage = (record: ApprovalRecord): HtmlResponse => {
  // A control-hygiene batch has no finding to write onto: its record goes to the audit trail.
  const onto = record.kind === 'control-hygiene' ? 'into the audit trail' : 'onto the finding';
  const next =
    record.status === 'APPROVED'
      ? `hubfix will now make the change, verify it and write the outcome ${onto}.`
      : `Nothing will be changed. hubfix writes the rejection and your reason ${onto}.`;
  return htmlResponse(
    200,
    'Decision recorded',
    `<h1>Thank you: decision recorded</h1>
<p class="ok">${escapeHtml(next)}</p>
${decisionWords(record)}
<h2>Finding</h2>
${findingSummary(record)}`,
  );
};

export const renderAlreadyDecidedPage = (record: ApprovalRecord): HtmlResponse =>
  htmlResponse(
    409,
    'Already decided',
    `<h1>This request was already decided</h1>
<p class="notice">Each approval link works once. Nothing was changed by this visit.</p>
${decisionWords(record)}
<h2>Finding</h2>
${findingSummary(record)}`,
  );

export const renderExpiredPage = (
  detail = 'This approval request has expired. Nothing was changed; the finding keeps its note saying nobody decided in time.',
): HtmlResponse => htmlResponse(410, 'Request expired', `<h1>This request has expired</h1>\n<p class="notice">${escapeHtml(detail)}</p>`);

export const renderInvalidLinkPage = (): HtmlResponse =>
  htmlResponse(
    403,
    'Invalid link',
    `<h1>This link is not valid</h1>
<p class="error">The link is incomplete or was changed. Open the link exactly as it appears in the approval email. Nothing was ` +
      `changed.</p>`,
  );

export const renderNotFoundPage = (): HtmlResponse =>
  htmlResponse(
    404,
    'Not found',
    '<h1>No such approval request</h1>\n<p class="notice">It may have been removed after it expired. Nothing was changed.</p>',
  );

/** Generic error page; the message is escaped (it may echo user input). */
export const renderErrorPage = (
  statusCode: number,
  title: string,
  message: string,
  extraHeaders: Record<string, string> = {},
): HtmlResponse =>
  htmlResponse(statusCode, title, `<h1>${escapeHtml(title)}</h1>\n<p class="error">${escapeHtml(message)}</p>`, extraHeaders);
