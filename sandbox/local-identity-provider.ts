import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Provider from 'oidc-provider';
import { escapeHtml } from '../functions/approval/approval-page';

/**
 * A real OpenID Connect provider on loopback (the `oidc-provider` package), standing in for the Cognito user pool
 * or the company's identity provider: authorization code flow with PKCE, signed ID tokens, its own JWKS. Demo
 * people sign in with a login name and the demo password; their groups arrive in the configured groups claim.
 */

export interface DemoUser {
  login: string;
  name: string;
  email: string;
  groups: string[];
}

export const DEMO_PASSWORD = 'demo';

/** The demo directory: two approvers (for a quorum), a developer outside the approver group. */
export const DEMO_USERS: readonly DemoUser[] = [
  { login: 'ana', name: 'Ana Approver', email: 'ana@example.test', groups: ['hubfix-approvers', 'secops'] },
  { login: 'bo', name: 'Bo Approver', email: 'bo@example.test', groups: ['hubfix-approvers'] },
  { login: 'dev', name: 'Devi Developer', email: 'devi@example.test', groups: ['developers'] },
];

export interface LocalIdentityProviderOptions {
  /** The approval page's base URL: its /auth/callback is the client's only redirect URI. */
  approvalBaseUrl: string;
  clientId: string;
  clientSecret: string;
  /** The claim the groups go in (the configuration's approvalAuth.groupsClaim). */
  groupsClaim: string;
  users?: readonly DemoUser[];
}

const loginPage = (uid: string, error?: string): string =>
  `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · local identity provider</title></head>
<body><main><h1>Local identity provider</h1>
<p>Sign in as one of the demo people (password <code>${DEMO_PASSWORD}</code>): ` +
  `${DEMO_USERS.map((u) => `<code>${escapeHtml(u.login)}</code>`).join(', ')}.</p>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="login">Login</label> <input id="login" name="login" autocomplete="username" required>
<label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form></main></body></html>`;

const readForm = async (request: IncomingMessage): Promise<URLSearchParams> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
};

export class LocalIdentityProvider {
  private constructor(
    private readonly server: Server,
    readonly issuer: string,
  ) {}

  static async start(options: LocalIdentityProviderOptions, port = 0): Promise<LocalIdentityProvider> {
    const users = options.users ?? DEMO_USERS;
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const address = server.address();
    const issuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: options.clientId,
          client_secret: options.clientSecret,
          redirect_uris: [`${options.approvalBaseUrl.replace(/\/+$/, '')}/auth/callback`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'local-1', use: 'sig', alg: 'RS256' }] },
      cookies: { keys: [randomBytes(32).toString('base64url')] },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username', options.groupsClaim] },
      // The ID token carries the profile and groups, as Cognito's does.
      conformIdTokenClaims: false,
      features: { devInteractions: { enabled: false } },
      pkce: { required: () => true },
      ttl: { AuthorizationCode: 60, IdToken: 600, AccessToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
      findAccount: async (_ctx, sub) => {
        const user = users.find((u) => u.login === sub);
        return (
          user && {
            accountId: user.login,
            claims: () => ({
              sub: user.login,
              email: user.email,
              email_verified: true,
              name: user.name,
              preferred_username: user.login,
              [options.groupsClaim]: user.groups,
            }),
          }
        );
      },
      // The approval page is a first-party client: no consent screen.
      loadExistingGrant: async (ctx) => {
        const clientId = ctx.oidc.client?.clientId;
        const accountId = ctx.oidc.session?.accountId;
        if (!clientId || !accountId) return undefined;
        const existing = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(clientId);
        if (existing) return ctx.oidc.provider.Grant.find(existing);
        const grant = new ctx.oidc.provider.Grant({ accountId, clientId });
        grant.addOIDCScope('openid email profile');
        await grant.save();
        return grant;
      },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    });
    const oidcCallback = provider.callback();
    const interaction = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
      const details = await provider.interactionDetails(request, response);
      const html = (status: number, body: string) => {
        response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        response.end(body);
      };
      if (request.method === 'GET') return html(200, loginPage(details.uid));
      const form = await readForm(request);
      const user = users.find((u) => u.login === form.get('login'));
      if (!user || form.get('password') !== DEMO_PASSWORD) return html(401, loginPage(details.uid, 'Unknown login or wrong password.'));
      await provider.interactionFinished(request, response, { login: { accountId: user.login } });
    };
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      if (/^\/interaction\/[^/]+(\/login)?$/.test(new URL(request.url ?? '/', issuer).pathname)) {
        interaction(request, response).catch((error: unknown) => {
          response.writeHead(400, { 'content-type': 'text/plain' });
          response.end(`Sign-in failed: ${(error as Error).message}`);
        });
        return;
      }
      oidcCallback(request, response);
    });
    return new LocalIdentityProvider(server, issuer);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The settings and the running provider a local cloud's approval API signs people in with. */
export interface LocalSignIn {
  provider: LocalIdentityProvider;
  settings: { authIssuer: string; authClientId: string; authClientSecretId: string };
  clientSecret: string;
}

/** Starts the local identity provider for an approval API served at `approvalBaseUrl`. */
export const startLocalSignIn = async (approvalBaseUrl: string, groupsClaim: string): Promise<LocalSignIn> => {
  const clientSecret = randomBytes(32).toString('base64url');
  const clientId = 'hubfix-approval-page';
  const provider = await LocalIdentityProvider.start({ approvalBaseUrl, clientId, clientSecret, groupsClaim });
  return {
    provider,
    clientSecret,
    settings: { authIssuer: provider.issuer, authClientId: clientId, authClientSecretId: 'hubfix/approval-client-secret' },
  };
};
