import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { epochSeconds, isApprovalId, verifyApprovalSignature } from '../approval/approval-link';
import {
  renderAlreadyDecidedPage,
  renderApprovalPage,
  renderErrorPage,
  renderExpiredPage,
  renderInvalidLinkPage,
  renderNotFoundPage,
  type HtmlResponse,
} from '../approval/approval-page';
import { getApproval, type ApprovalRecord } from '../approval/approval-store';
import { getLinkSecret } from '../approval/link-secret';
import { logger } from '../platform/logger';
import { awsRuntime, type Runtime } from '../platform/runtime';

/**
 * The approval API behind the emailed link. GET renders the confirmation page and decides nothing (mail
 * scanners follow links); POST re-checks the signature and expiry, records the decision once (conditional
 * update) and only then hands it to Step Functions. The task token never leaves the server.
 */

export const MAX_BODY_BYTES = 8 * 1024;
const ALLOWED_METHODS = 'GET, POST';

const noControlCharacters = (value: string) => !/\p{Cc}/u.test(value);

export const decisionFormSchema = z
  .object({
    decision: z.enum(['approve', 'reject'], { error: 'Press Approve or Reject.' }),
    approver: z
      .string({ error: 'Enter your name.' })
      .trim()
      .min(1, 'Enter your name.')
      .max(100, 'Your name must be at most 100 characters.')
      .refine(noControlCharacters, 'Your name contains characters that are not allowed.'),
    reason: z.string().trim().max(500, 'The reason must be at most 500 characters.').default(''),
  })
  .refine((form) => form.decision !== 'reject' || form.reason.length > 0, {
    message: 'A reason is required to reject.',
    path: ['reason'],
  });

type LinkParams = { expires: string | undefined; signature: string | undefined };

const approvalIdOf = (event: APIGatewayProxyEvent): string | undefined => {
  const id = event.pathParameters?.approvalId ?? /^\/approvals\/([^/]+)$/.exec(event.path ?? '')?.[1];
  return id !== undefined && isApprovalId(id) ? id : undefined;
};

const headerOf = (event: APIGatewayProxyEvent, name: string): string | undefined =>
  Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1] ?? undefined;

/** The link's signature and expiry, then the record: the checks GET and POST share. */
const loadSignedApproval = async (
  rt: Runtime,
  approvalId: string,
  link: LinkParams,
): Promise<{ record: ApprovalRecord } | { response: HtmlResponse }> => {
  const check = verifyApprovalSignature(await getLinkSecret(rt), approvalId, link.expires, link.signature, rt.now());
  if (!check.ok) {
    logger.warn('Approval link refused', { approvalId, reason: check.reason });
    return { response: check.reason === 'expired' ? renderExpiredPage() : renderInvalidLinkPage() };
  }
  const record = await getApproval(rt, approvalId);
  if (!record) return { response: renderNotFoundPage() };
  if (record.status !== 'PENDING') return { response: renderAlreadyDecidedPage(record) };
  if (record.expiresAt <= epochSeconds(rt.now())) return { response: renderExpiredPage() };
  return { record };
};

const showApproval = async (rt: Runtime, approvalId: string, event: APIGatewayProxyEvent): Promise<HtmlResponse> => {
  const link = { expires: event.queryStringParameters?.e, signature: event.queryStringParameters?.s };
  const loaded = await loadSignedApproval(rt, approvalId, link);
  if ('response' in loaded) return loaded.response;
  logger.info('Approval page shown', { approvalId });
  return renderApprovalPage(loaded.record, { expires: link.expires ?? '', signature: link.signature ?? '' });
};

/** The form body, or the page that refuses it. */
const readForm = (event: APIGatewayProxyEvent): URLSearchParams | HtmlResponse => {
  const contentType = headerOf(event, 'content-type')?.split(';')[0].trim().toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded') {
    return renderErrorPage(415, 'Unsupported request', 'Submit the decision with the form on the approval page.');
  }
  const raw = event.body ?? '';
  // Check the encoded size first so an oversized body is never decoded.
  if (raw.length > (event.isBase64Encoded ? Math.ceil((MAX_BODY_BYTES * 4) / 3) + 4 : MAX_BODY_BYTES)) {
    return renderErrorPage(413, 'Request too large', `The form may be at most ${MAX_BODY_BYTES} bytes.`);
  }
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) {
    return renderErrorPage(413, 'Request too large', `The form may be at most ${MAX_BODY_BYTES} bytes.`);
  }
  return new URLSearchParams(body);
};

const single = (form: URLSearchParams, name: string): string | undefined => {
  const values = form.getAll(name);
  return values.length === 1 ? values[0] : undefined;
};

const submitDecision = async (rt: Runtime, approvalId: string, event: APIGatewayProxyEvent): Promise<HtmlResponse> => {
  const form = readForm(event);
  if (!(form instanceof URLSearchParams)) return form;
  const link = { expires: single(form, 'e'), signature: single(form, 's') };
  const loaded = await loadSignedApproval(rt, approvalId, link);
  if ('response' in loaded) return loaded.response;

  const fields = { decision: single(form, 'decision'), approver: single(form, 'approver'), reason: single(form, 'reason') };
  const parsed = decisionFormSchema.safeParse(fields);
  if (!parsed.success) {
    return renderApprovalPage(
      loaded.record,
      { expires: link.expires ?? '', signature: link.signature ?? '' },
      { approver: fields.approver, reason: fields.reason, error: parsed.error.issues.map((issue) => issue.message).join(' ') },
      400,
    );
  }

  // Sign-in (issue 14) replaces the typed name: until it is wired, no decision is accepted.
  void parsed.data;
  return renderErrorPage(401, 'Sign in first', 'Decisions need a verified sign-in. Nothing was decided.');
};

export const routeApprovalRequest = async (rt: Runtime, event: APIGatewayProxyEvent): Promise<HtmlResponse> => {
  const approvalId = approvalIdOf(event);
  if (!approvalId) return renderNotFoundPage();
  switch (event.httpMethod) {
    case 'GET':
      return showApproval(rt, approvalId, event);
    case 'POST':
      return submitDecision(rt, approvalId, event);
    default:
      return renderErrorPage(405, 'Method not allowed', 'Open the link from the approval email and use the buttons on the page.', {
        Allow: ALLOWED_METHODS,
      });
  }
};

export const createApprovalApiHandler = (runtime: () => Runtime) =>
  middy(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      return await routeApprovalRequest(runtime(), event);
    } catch (error) {
      const { name, message } = error instanceof Error ? error : { name: 'UnknownError', message: String(error) };
      logger.error('Approval request failed', { errorName: name, errorMessage: message });
      return renderErrorPage(500, 'Something went wrong', 'Nothing was decided. Please try again later.');
    }
    // logEvent stays off whatever the environment says: the event carries the link's signature.
  }).use(injectLambdaContext(logger, { clearState: true, logEvent: false }));

export const handler = createApprovalApiHandler(awsRuntime);
