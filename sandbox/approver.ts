import { DEMO_PASSWORD } from './local-identity-provider';
import type { PublishedMessage } from './simulated-aws';

export type ApproverDecision = 'approve' | 'reject';

/** The one confirmation-page link in an approval email. */
export const approvalLinkIn = (message: PublishedMessage): string | undefined =>
  /https?:\/\/\S+\/approvals\/\S+/.exec(message.message)?.[0];

/**
 * A minimal browser for the sandbox and the tests: follows redirects by hand and keeps each origin's cookies, so a
 * sign-in runs exactly as a person's would (approval page → identity provider → callback → page). Cookie paths and
 * expiry are not modelled; Secure cookies are kept on loopback http as browsers do.
 */
export class LoopbackBrowser {
  private readonly jars = new Map<string, Map<string, string>>();

  /** The cookies this browser holds for an origin (tests inspect and replay them). */
  cookies(origin: string): Map<string, string> {
    let jar = this.jars.get(origin);
    if (!jar) {
      jar = new Map();
      this.jars.set(origin, jar);
    }
    return jar;
  }

  async request(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const jar = this.cookies(target.origin);
    const headers = new Headers(init.headers);
    if (jar.size > 0) headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired) jar.delete(name);
      else jar.set(name, pair.slice(at + 1).trim());
    }
    return response;
  }

  /** GET, following redirects (303/302/301/307) the way a browser's address bar does. */
  async open(url: string | URL): Promise<{ response: Response; url: URL }> {
    let current = new URL(url);
    for (let hop = 0; hop < 10; hop++) {
      const response = await this.request(current);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { response, url: current };
      await response.body?.cancel();
      current = new URL(location, current);
    }
    throw new Error(`Too many redirects from ${String(url)}`);
  }
}

const unescape = (value: string): string =>
  value
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");

const hiddenFields = (html: string): Record<string, string> =>
  Object.fromEntries(
    [...html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].map((m) => [m[1], unescape(m[2])]),
  );

/** Signs `login` in from the approval page behind `link`; returns the page (signed in) or the status that stopped it. */
export const signInAt = async (
  browser: LoopbackBrowser,
  link: string,
  login: string,
): Promise<{ status: number; html: string; url: URL }> => {
  const page = await browser.open(link);
  const html = await page.response.text();
  const signIn = /<a href="([^"]*\/sign-in\?[^"]*)"/.exec(html)?.[1];
  if (page.response.status !== 200 || !signIn) return { status: page.response.status, html, url: page.url };

  const loginPage = await browser.open(new URL(unescape(signIn), page.url));
  const form = await loginPage.response.text();
  const action = /<form[^>]*action="([^"]*)"/.exec(form)?.[1];
  if (loginPage.response.status !== 200 || !action) return { status: loginPage.response.status, html: form, url: loginPage.url };
  const posted = await browser.request(new URL(unescape(action), loginPage.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ login, password: DEMO_PASSWORD }).toString(),
  });
  const location = posted.headers.get('location');
  if (!location) return { status: posted.status, html: await posted.text(), url: loginPage.url };
  const callback = await browser.open(new URL(location, loginPage.url));
  const signedIn = await callback.response.text();
  const next = /<a href="([^"]*)">Continue/.exec(signedIn)?.[1];
  if (callback.response.status !== 200 || !next) return { status: callback.response.status, html: signedIn, url: callback.url };
  const approval = await browser.open(unescape(next));
  return { status: approval.response.status, html: await approval.response.text(), url: approval.url };
};

/** Submits the decision form of a signed-in approval page, as the page's own buttons do (same origin). */
export const submitDecision = async (
  browser: LoopbackBrowser,
  page: { html: string; url: URL },
  decision: ApproverDecision,
  reason: string,
): Promise<Response> => {
  const action = /<form[^>]*action="([^"]*)"/.exec(page.html)?.[1];
  return browser.request(new URL(action ? unescape(action) : page.url.pathname, page.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: page.url.origin },
    body: new URLSearchParams({ ...hiddenFields(page.html), decision, reason }).toString(),
  });
};

/**
 * Answers an approval email as a person does: opens the link (GET shows a sign-in page and decides nothing), signs in
 * as the demo person `login` at the local identity provider, then submits the page's form. Returns the HTTP status
 * of the submission (or of the step that stopped it).
 */
export const answerApproval = async (link: string, decision: ApproverDecision, login: string, reason: string): Promise<number> => {
  const browser = new LoopbackBrowser();
  const page = await signInAt(browser, link, login);
  if (page.status !== 200 || !/<form[^>]*method="post"/.test(page.html)) return page.status === 200 ? 403 : page.status;
  const response = await submitDecision(browser, page, decision, reason);
  await response.body?.cancel();
  return response.status;
};
