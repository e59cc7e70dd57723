import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
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
  renderSignedInPage,
  renderSignInPage,
  renderVoteRecordedPage,
  type HtmlResponse,
} from '../approval/approval-page';
import { approvalRequirement, refusalFor } from '../approval/approval-policy';
import { getApproval, type ApprovalRecord } from '../approval/approval-store';
import { getLinkSecret } from '../approval/link-secret';
import {
  clearedCookie,
  cookiesOf,
  createSession,
  csrfMatches,
  readSession,
  readSignIn,
  SIGN_IN_COOKIE,
  signInCookie,
  type Session,
} from '../approval/session';
import { callbackUrl, finishSignIn, SignInError, startSignIn } from '../approval/sign-in';
import { castVote, DecisionNotDeliveredError } from '../approval/vote';
import { logger } from '../platform/logger';
import { awsRuntime, type Runtime } from '../platform/runtime';

/**
 * The approval API behind the emailed link. The signed link says which approval; an OpenID Connect sign-in says who.
 * GET renders pages and decides nothing (mail scanners follow links): without a session only a sign-in page that shows
 * nothing of the finding. POST needs the session cookie, the form's CSRF token and a same-origin request, re-checks
 * the link, then casts the signed-in person's vote under the approval policy (functions/approval/vote.ts). The task
 * token, the session, the code and the state never appear in a URL we build, a page or a log line.
 */

export const MAX_BODY_BYTES = 8 * 1024;
const ALLOWED_METHODS = 'GET, POST';

export const decisionFormSchema = z
  .object({
    decision: z.enum(['approve', 'reject'], { error: 'Press Approve or Reject.' }),
    reason: z.string().trim().max(500, 'The reason must be at most 500 characters.').default(''),
  })
  .refine((form) => form.decision !== 'reject' || form.reason.length > 0, {
    message: 'A reason is required to reject.',
    path: ['reason'],
  });

type LinkParams = { expires: string | undefined; signature: string | undefined };
type Route = { kind: 'approval'; approvalId: string } | { kind: 'sign-in'; approvalId: string } | { kind: 'callback' };

const routeOf = (event: APIGatewayProxyEvent): Route | undefined => {
  const path = event.path ?? '';
  if (event.resource === '/auth/callback' || /^\/auth\/callback$/.test(path)) return { kind: 'callback' };
  const match = /^\/approvals\/([^/]+)(\/sign-in)?$/.exec(path);
  const approvalId = event.pathParameters?.approvalId ?? match?.[1];
  if (approvalId === undefined || !isApprovalId(approvalId)) return undefined;
  const signIn = event.resource === '/approvals/{approvalId}/sign-in' || (event.resource !== '/approvals/{approvalId}' && !!match?.[2]);
  return { kind: signIn ? 'sign-in' : 'approval', approvalId };
};

const headerOf = (event: APIGatewayProxyEvent, name: string): string | undefined =>
  Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1] ?? undefined;

const linkOf = (link: LinkParams) => ({ expires: link.expires ?? '', signature: link.signature ?? '' });

/** The link's signature and expiry, then the record: the checks every approval route shares. */
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

const signedInView = (rt: Runtime, record: ApprovalRecord, session: Session) => {
  const requirement = approvalRequirement(rt.config, record);
  return {
    person: session.person,
    csrf: session.csrf,
    needed: requirement.quorum,
    refusal: refusalFor(requirement, record, session.person, 'approve'),
  };
};

const showApproval = async (rt: Runtime, approvalId: string, event: APIGatewayProxyEvent): Promise<HtmlResponse> => {
  const link = { expires: event.queryStringParameters?.e, signature: event.queryStringParameters?.s };
  const loaded = await loadSignedApproval(rt, approvalId, link);
  if ('response' in loaded) return loaded.response;
  const session = await readSession(rt, cookiesOf(headerOf(event, 'cookie')));
  if (!session) return renderSignInPage(approvalId, linkOf(link));
  logger.info('Approval page shown', { approvalId, issuer: session.person.issuer, subject: session.person.subject });
  return renderApprovalPage(loaded.record, linkOf(link), signedInView(rt, loaded.record, session));
};

/** Starts the OpenID Connect sign-in for a valid link: the identity provider's page, with PKCE, state and nonce. */
const beginSignIn = async (rt: Runtime, approvalId: string, event: APIGatewayProxyEvent): Promise<HtmlResponse> => {
  const link = { expires: event.queryStringParameters?.e, signature: event.queryStringParameters?.s };
  const loaded = await loadSignedApproval(rt, approvalId, link);
  if ('response' in loaded) return loaded.response;
  const { url, pending } = await startSignIn(rt, { approvalId, ...linkOf(link) });
  const redirect = renderErrorPage(302, 'Signing in', 'Continue to the sign-in page.', { Location: url.href });
  return { ...redirect, multiValueHeaders: { 'Set-Cookie': [await signInCookie(rt, pending)] } };
};

/** The identity provider sends the person back here with a code: exchange it, check the ID token, start a session. */
const completeSignIn = async (rt: Runtime, event: APIGatewayProxyEvent): Promise<HtmlResponse> => {
  const pending = await readSignIn(rt, cookiesOf(headerOf(event, 'cookie')));
  const refused = (message: string) => ({
    ...renderErrorPage(401, 'Sign-in failed', `${message} Nothing was decided. Open the link from the email to try again.`),
    multiValueHeaders: { 'Set-Cookie': [clearedCookie(SIGN_IN_COOKIE)] },
  });
  if (!pending) {
    logger.warn('Sign-in callback without a pending sign-in');
    return refused('This sign-in was not started here, or took too long.');
  }
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) if (value !== undefined) query.set(name, value);
  let person;
  try {
    person = await finishSignIn(rt, new URL(`${callbackUrl(rt)}?${query.toString()}`), pending);
  } catch (error) {
    if (!(error instanceof SignInError)) throw error;
    logger.warn('Sign-in refused', { approvalId: pending.approvalId, errorMessage: error.message });
    return refused('The identity provider did not confirm who you are.');
  }
  const { setCookie } = await createSession(rt, person);
  logger.info('Signed in', { approvalId: pending.approvalId, issuer: person.issuer, subject: person.subject, groups: person.groups });
  const base = rt.settings.approvalBaseUrl.replace(/\/+$/, '');
  const page = `${base}/approvals/${encodeURIComponent(pending.approvalId)}?${new URLSearchParams({ e: pending.expires, s: pending.signature })}`;
  return renderSignedInPage(person, page, [setCookie, clearedCookie(SIGN_IN_COOKIE)]);
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

/** A browser says where a form came from (Origin, Sec-Fetch-Site): a decision is accepted from the approval page only. */
const crossOrigin = (rt: Runtime, event: APIGatewayProxyEvent): boolean => {
  const origin = headerOf(event, 'origin');
  const site = headerOf(event, 'sec-fetch-site');
  return (origin !== undefined && origin !== new URL(rt.settings.approvalBaseUrl).origin) || (site !== undefined && site !== 'same-origin');
};

const submitDecision = async (rt: Runtime, approvalId: string, event: APIGatewayProxyEvent): Promise<HtmlResponse> => {
  if (crossOrigin(rt, event)) {
    logger.warn('Decision refused: cross-origin request', { approvalId });
    return renderErrorPage(403, 'Not allowed', 'A decision can only be submitted from the approval page itself. Nothing was decided.');
  }
  const session = await readSession(rt, cookiesOf(headerOf(event, 'cookie')));
  if (!session) {
    logger.warn('Decision refused: no sign-in', { approvalId });
    return renderErrorPage(401, 'Sign in first', 'Open the link from the email and sign in before deciding. Nothing was decided.');
  }
  const form = readForm(event);
  if (!(form instanceof URLSearchParams)) return form;
  if (!csrfMatches(session, single(form, 'csrf'))) {
    logger.warn('Decision refused: CSRF token missing or wrong', { approvalId, subject: session.person.subject });
    return renderErrorPage(
      403,
      'Not allowed',
      'The form is out of date or did not come from the approval page. Reload it. Nothing was decided.',
    );
  }
  const link = { expires: single(form, 'e'), signature: single(form, 's') };
  const loaded = await loadSignedApproval(rt, approvalId, link);
  if ('response' in loaded) return loaded.response;

  const fields = { decision: single(form, 'decision'), reason: single(form, 'reason') };
  const parsed = decisionFormSchema.safeParse(fields);
  if (!parsed.success) {
    const error = parsed.error.issues.map((issue) => issue.message).join(' ');
    return renderApprovalPage(loaded.record, linkOf(link), signedInView(rt, loaded.record, session), { reason: fields.reason, error }, 400);
  }

  let result;
  try {
    result = await castVote(rt, approvalId, session.person, parsed.data.decision, parsed.data.reason);
  } catch (error) {
    if (!(error instanceof DecisionNotDeliveredError)) throw error;
    return renderErrorPage(
      503,
      'Please try again',
      'The workflow could not be reached, so nothing was decided. Please try again in a minute.',
      {
        'Retry-After': '60',
      },
    );
  }
  const record = (await getApproval(rt, approvalId)) ?? loaded.record;
  if (result.status === 'refused') {
    if (record.status !== 'PENDING') return renderAlreadyDecidedPage(record);
    return renderErrorPage(403, 'Not allowed', `${result.reason} Nothing was decided.`);
  }
  if (result.workflowStopped) {
    return renderExpiredPage(
      'Your decision was recorded, but the workflow had already stopped waiting for it (it timed out or was stopped). Nothing was changed.',
    );
  }
  return result.decided ? renderDecidedPage(record) : renderVoteRecordedPage(record, result.approvals, result.needed);
};

export const routeApprovalRequest = async (rt: Runtime, event: APIGatewayProxyEvent): Promise<HtmlResponse> => {
  const route = routeOf(event);
  if (!route) return renderNotFoundPage();
  if (event.httpMethod === 'GET' && route.kind === 'callback') return completeSignIn(rt, event);
  if (event.httpMethod === 'GET' && route.kind === 'sign-in') return beginSignIn(rt, route.approvalId, event);
  if (event.httpMethod === 'GET' && route.kind === 'approval') return showApproval(rt, route.approvalId, event);
  if (event.httpMethod === 'POST' && route.kind === 'approval') return submitDecision(rt, route.approvalId, event);
  return renderErrorPage(405, 'Method not allowed', 'Open the link from the approval email and use the buttons on the page.', {
    Allow: route.kind === 'approval' ? ALLOWED_METHODS : 'GET',
  });
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
    // logEvent stays off whatever the environment says: the event carries the link's signature, cookies and codes.
  }).use(injectLambdaContext(logger, { clearState: true, logEvent: false }));

export const handler = createApprovalApiHandler(awsRuntime);
