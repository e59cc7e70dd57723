import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { epochSeconds, isApprovalId, verifyApprovalSignature } from '../approval/approval-link';
import {
  renderAlreadyDecidedPage,
  renderApprovalPage,
  renderDecidedPage,
  renderErrorPage,
  renderExpiredPage,
  renderInvalidLinkPage,
  renderNotFoundPage,
  type HtmlResponse,
} from '../approval/approval-page';
import { decideApproval, getApproval, reopenApproval, type ApprovalRecord } from '../approval/approval-store';
import { getLinkSecret } from '../approval/link-secret';
import { logger } from '../platform/logger';
import { awsRuntime, type Runtime } from '../platform/runtime';
import type { ApprovalDecision } from '../findings/types';

/**
 * The approval API behind the emailed link. GET renders the confirmation page and decides nothing (mail
 * scanners follow links); POST re-checks the signature and expiry, records the decision once (conditional
 * update) and only then hands it to Step Functions. The task token never leaves the server.
 */

export const MAX_BODY_BYTES = 8 * 1024;
const ALLOWED_METHODS = 'GET, POST';
/** Step Functions no longer waits for this token: the decision cannot be delivered. */
const TASK_GONE_ERRORS = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

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

  const now = rt.now();
  const decision: ApprovalDecision = {
    decision: parsed.data.decision === 'approve' ? 'approved' : 'rejected',
    approver: parsed.data.approver,
    reason: parsed.data.reason,
    decidedAt: now.toISOString(),
  };
  const result = await decideApproval(rt, approvalId, { ...decision, now });
  if (!result.ok) {
    logger.info('Approval decision refused', { approvalId, reason: result.reason });
    if (result.reason === 'not-found') return renderNotFoundPage();
    return result.reason === 'already-decided' ? renderAlreadyDecidedPage(result.record) : renderExpiredPage();
  }

  try {
    // A rejection is a successful answer too: the state machine's Decision state routes it.
    await rt.clients
      .home(SFNClient)
      .send(new SendTaskSuccessCommand({ taskToken: result.record.taskToken, output: JSON.stringify(decision) }));
  } catch (error) {
    // Log the error's name only: Step Functions error messages can quote the task token.
    const errorName = error instanceof Error ? error.name : 'UnknownError';
    if (TASK_GONE_ERRORS.has(errorName)) {
      logger.warn('Workflow no longer waits for this approval', { approvalId, errorName });
      return renderExpiredPage(
        'Your decision was recorded, but the workflow had already stopped waiting for it (it timed out or was stopped). Nothing was changed.',
      );
    }
    logger.error('Could not deliver the decision to Step Functions; decision undone', { approvalId, errorName });
    await reopenApproval(rt, approvalId, decision.decidedAt);
    return renderErrorPage(
      503,
      'Please try again',
      'The workflow could not be reached, so nothing was decided. Please try again in a minute.',
      {
        'Retry-After': '60',
      },
    );
  }
  logger.info('Approval decided', {
    approvalId,
    decision: decision.decision,
    approver: decision.approver,
    executionId: result.record.executionId,
  });
  return renderDecidedPage(result.record);
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
