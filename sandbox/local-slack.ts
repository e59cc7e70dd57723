import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { slackSignature } from '../functions/approval/slack/signature';
import { listen } from './local-lambda';

/**
 * A stand-in for slack.com on loopback: the Web API methods hubfix calls (chat.postMessage, chat.update,
 * chat.postEphemeral, users.info), answered as Slack documents them (HTTP 200 with `ok` and `error`), and Slack's side of
 * interactivity: a click on a message button sent to hubfix's Request URL as a signed block_actions payload. hubfix's
 * code talks to it through Slack's own SDK (WebClient with `slackApiUrl`).
 */

export interface LocalSlackUser {
  id: string;
  name: string;
  email?: string;
  emailConfirmed?: boolean;
  teamId?: string;
  deleted?: boolean;
  isBot?: boolean;
  /** A guest account. */
  restricted?: boolean;
}

export interface PostedMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  /** Every version, the first as posted. */
  history: { text: string; blocks: unknown[] }[];
}

export interface EphemeralMessage {
  channel: string;
  user: string;
  text: string;
}

export interface SlackApiCall {
  method: string;
  /** Whether the bot token was presented. */
  authorized: boolean;
}

export interface LocalSlackOptions {
  teamId: string;
  users?: LocalSlackUser[];
}

export interface Click {
  user: string;
  message: PostedMessage;
  action: 'approve' | 'reject';
  /** Sign with this secret instead of the app's (an attacker's guess). */
  signingSecret?: string;
  /** The request's timestamp (default now). */
  timestamp?: Date;
  teamId?: string;
}

/** A request as sent, so a test can send the very same bytes again. */
export interface SentInteraction {
  headers: Record<string, string>;
  body: string;
  status: number;
  response: string;
}

const ok = (response: ServerResponse, body: Record<string, unknown>) => {
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify({ ok: true, ...body }));
};
const fail = (response: ServerResponse, error: string) => {
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify({ ok: false, error }));
};

const readBody = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

/** The Web API takes form fields (structured ones as JSON strings) or a JSON body. */
const argumentsOf = (request: IncomingMessage, body: string): Record<string, unknown> => {
  if ((request.headers['content-type'] ?? '').startsWith('application/json')) return JSON.parse(body) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(body));
};

const blocksOf = (value: unknown): unknown[] => {
  if (Array.isArray(value)) return value;
  return typeof value === 'string' && value !== '' ? (JSON.parse(value) as unknown[]) : [];
};

export class LocalSlack {
  readonly messages: PostedMessage[] = [];
  readonly ephemerals: EphemeralMessage[] = [];
  readonly calls: SlackApiCall[] = [];
  /** How long each Web API call takes to answer (a slow slack.com; tests of Slack's 3-second budget). */
  apiDelayMs = 0;
  private sequence = 0;

  private constructor(
    private readonly server: Server,
    readonly apiUrl: string,
    readonly botToken: string,
    readonly signingSecret: string,
    readonly options: LocalSlackOptions,
  ) {}

  static async start(options: LocalSlackOptions): Promise<LocalSlack> {
    const server = createServer();
    const port = await listen(server, 0);
    const slack = new LocalSlack(
      server,
      `http://127.0.0.1:${port}/api/`,
      `xoxb-local-${randomBytes(16).toString('hex')}`,
      randomBytes(32).toString('hex'),
      options,
    );
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      slack.serve(request, response).catch((error: unknown) => {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(`Local Slack failed: ${(error as Error).message}`);
      });
    });
    return slack;
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = /^\/api\/([\w.]+)$/.exec(request.url ?? '')?.[1] ?? '';
    const body = await readBody(request);
    if (this.apiDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.apiDelayMs));
    const authorized = request.headers.authorization === `Bearer ${this.botToken}`;
    this.calls.push({ method, authorized });
    if (request.method !== 'POST') return fail(response, 'method_not_allowed');
    if (!authorized) return fail(response, 'invalid_auth');
    const args = argumentsOf(request, body);
    switch (method) {
      case 'chat.postMessage': {
        const channel = String(args.channel ?? '');
        if (!channel) return fail(response, 'channel_not_found');
        const ts = `${Math.floor(Date.now() / 1000)}.${String(++this.sequence).padStart(6, '0')}`;
        const text = String(args.text ?? '');
        const blocks = blocksOf(args.blocks);
        this.messages.push({ channel, ts, text, blocks, history: [{ text, blocks }] });
        return ok(response, { channel, ts, message: { type: 'message', text, blocks, ts } });
      }
      case 'chat.update': {
        const message = this.messages.find((m) => m.channel === args.channel && m.ts === args.ts);
        if (!message) return fail(response, 'message_not_found');
        message.text = String(args.text ?? '');
        message.blocks = blocksOf(args.blocks);
        message.history.push({ text: message.text, blocks: message.blocks });
        return ok(response, { channel: message.channel, ts: message.ts, text: message.text });
      }
      case 'chat.postEphemeral': {
        if (!args.channel || !args.user) return fail(response, 'invalid_arguments');
        this.ephemerals.push({ channel: String(args.channel), user: String(args.user), text: String(args.text ?? '') });
        return ok(response, { message_ts: `${Math.floor(Date.now() / 1000)}.${String(++this.sequence).padStart(6, '0')}` });
      }
      case 'users.info': {
        const user = (this.options.users ?? []).find((u) => u.id === args.user);
        if (!user) return fail(response, 'user_not_found');
        return ok(response, {
          user: {
            id: user.id,
            team_id: user.teamId ?? this.options.teamId,
            name: user.name,
            real_name: user.name,
            deleted: user.deleted ?? false,
            is_bot: user.isBot ?? false,
            is_restricted: user.restricted ?? false,
            is_email_confirmed: user.emailConfirmed ?? true,
            profile: { real_name: user.name, ...(user.email ? { email: user.email } : {}) },
          },
        });
      }
      default:
        return fail(response, 'unknown_method');
    }
  }

  /** The block_actions payload Slack sends when `user` presses a button of `message`. */
  interactionPayload(click: Click): Record<string, unknown> {
    const actions = (click.message.blocks as { type?: string; block_id?: string; elements?: { action_id?: string; value?: string }[] }[])
      .filter((b) => b.type === 'actions')
      .flatMap((b) => (b.elements ?? []).map((e) => ({ ...e, block_id: b.block_id })));
    const button = actions.find((e) => e.action_id === `hubfix_${click.action}`);
    if (!button) throw new Error(`The message has no ${click.action} button`);
    const teamId = click.teamId ?? this.options.teamId;
    const now = (click.timestamp ?? new Date()).getTime() / 1000;
    return {
      type: 'block_actions',
      team: { id: teamId, domain: 'local' },
      user: { id: click.user, username: click.user, team_id: teamId },
      api_app_id: 'A0LOCAL',
      token: 'deprecated-verification-token',
      container: { type: 'message', message_ts: click.message.ts, channel_id: click.message.channel, is_ephemeral: false },
      trigger_id: `${Math.floor(now)}.local`,
      channel: { id: click.message.channel, name: 'hubfix-approvals' },
      message: { type: 'message', ts: click.message.ts, text: click.message.text, blocks: click.message.blocks },
      response_url: 'https://hooks.slack.com/actions/local',
      actions: [{ type: 'button', action_id: button.action_id, block_id: button.block_id, value: button.value, action_ts: now.toFixed(6) }],
    };
  }

  /** Signs a body as Slack does: v0 HMAC-SHA256 of `v0:<timestamp>:<body>`. */
  signedHeaders(body: string, timestamp: Date = new Date(), signingSecret = this.signingSecret): Record<string, string> {
    const seconds = String(Math.floor(timestamp.getTime() / 1000));
    return {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': seconds,
      'x-slack-signature': slackSignature(signingSecret, seconds, body),
    };
  }

  /** Presses a button: POSTs the signed payload to hubfix's interactivity URL, as Slack does. */
  async click(interactionsUrl: string, click: Click): Promise<SentInteraction> {
    const body = new URLSearchParams({ payload: JSON.stringify(this.interactionPayload(click)) }).toString();
    return this.send(interactionsUrl, this.signedHeaders(body, click.timestamp, click.signingSecret), body);
  }

  /** Sends exactly these headers and body (a replay, or a forgery). */
  async send(interactionsUrl: string, headers: Record<string, string>, body: string): Promise<SentInteraction> {
    const response = await fetch(interactionsUrl, { method: 'POST', headers, body });
    return { headers, body, status: response.status, response: await response.text() };
  }

  /** The message posted for an approval (the buttons carry its id). */
  messageFor(approvalId: string): PostedMessage | undefined {
    return this.messages.find((m) => JSON.stringify(m.history[0].blocks).includes(`"value":"${approvalId}"`));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
