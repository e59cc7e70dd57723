import type { PublishedMessage } from './simulated-aws';

export type ApproverDecision = 'approve' | 'reject';

/** The one confirmation-page link in an approval email. */
export const approvalLinkIn = (message: PublishedMessage): string | undefined =>
  /https?:\/\/\S+\/approvals\/\S+/.exec(message.message)?.[0];

/**
 * Answers an approval email as a person does: opens the link (GET shows the page and decides nothing),
 * then submits the page's form. Returns the HTTP status of the submission.
 */
export const answerApproval = async (link: string, decision: ApproverDecision, approver: string, reason: string): Promise<number> => {
  const page = await fetch(link);
  if (page.status !== 200) return page.status;
  const html = await page.text();
  const hidden = Object.fromEntries(
    [...html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].map((m) => [m[1], m[2].replace(/&amp;/g, '&')]),
  );
  const action = /<form[^>]*action="([^"]*)"/.exec(html)?.[1]?.replace(/&amp;/g, '&') ?? new URL(link).pathname;
  const response = await fetch(new URL(action, link), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...hidden, decision, approver, reason }).toString(),
  });
  return response.status;
};
