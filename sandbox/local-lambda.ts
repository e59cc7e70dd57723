import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { LocalFunction } from './local-step-functions';

/** How the sandbox calls a deployed function: the same handler, a Lambda-shaped context. */
export const lambdaContext = (role: string): Context =>
  ({
    functionName: `hubfix-${role}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:hubfix-${role}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/hubfix-${role}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  }) as Context;

export type Handler<I, O> = (event: I, context: Context) => Promise<O>;

/** A handler bound as the function of a state machine role. */
export const bind =
  <I, O>(role: string, handler: Handler<I, O>): LocalFunction =>
  (payload: unknown): Promise<O> =>
    handler(payload as I, lambdaContext(role));

/** Listens on loopback; resolves with the port (0 picks a free one). */
export const listen = (server: { listen: (port: number, host: string, cb: () => void) => unknown; address: () => unknown }, port: number) =>
  new Promise<number>((resolve) => {
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

/** API Gateway's own payload limit: larger requests never reach the function. */
const API_GATEWAY_PAYLOAD_LIMIT = 10 * 1024 * 1024;

/** The whole body, as API Gateway hands it to the function; undefined past API Gateway's limit. */
const readBody = async (request: IncomingMessage): Promise<string | undefined> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > API_GATEWAY_PAYLOAD_LIMIT) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
};

/** The REST API proxy event API Gateway builds for `/approvals/{approvalId}`, its `/sign-in` and `/auth/callback`. */
const proxyEvent = (request: IncomingMessage, url: URL, body: string, sourceIp: string): APIGatewayProxyEvent => {
  const match = /^\/approvals\/([^/]+)(\/sign-in)?$/.exec(url.pathname);
  return {
    httpMethod: request.method ?? 'GET',
    path: url.pathname,
    resource: match ? `/approvals/{approvalId}${match[2] ?? ''}` : url.pathname,
    pathParameters: match ? { approvalId: decodeURIComponent(match[1]) } : null,
    queryStringParameters: url.searchParams.size > 0 ? Object.fromEntries(url.searchParams) : null,
    multiValueQueryStringParameters: null,
    headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')])),
    multiValueHeaders: {},
    body: body === '' ? null : body,
    isBase64Encoded: false,
    stageVariables: null,
    requestContext: { requestId: randomUUID(), identity: { sourceIp } },
  } as unknown as APIGatewayProxyEvent;
};

/** Serves the approval API function on `server` exactly as API Gateway's proxy integration would call it. */
export const serveApprovalApi = (
  server: Server,
  baseUrl: string,
  approvalApi: Handler<APIGatewayProxyEvent, APIGatewayProxyResult>,
): void => {
  server.on('request', (request: IncomingMessage, response) => {
    const respond = async () => {
      const sourceIp = request.socket.remoteAddress ?? '127.0.0.1';
      const body = await readBody(request);
      if (body === undefined) return { statusCode: 413, headers: { 'content-type': 'text/plain' }, body: 'Request Entity Too Large' };
      return approvalApi(proxyEvent(request, new URL(request.url ?? '/', baseUrl), body, sourceIp), lambdaContext('approvalApi'));
    };
    respond()
      .then((result) => {
        const headers: Record<string, string | string[]> = { ...((result.headers ?? {}) as Record<string, string>) };
        for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) headers[name] = values.map(String);
        response.writeHead(result.statusCode, headers);
        response.end(request.method === 'HEAD' ? undefined : result.body);
      })
      .catch((error: unknown) => {
        response.writeHead(502, { 'content-type': 'text/plain' });
        response.end(`Local API Gateway: the approval function failed: ${(error as Error).message}`);
      });
  });
};
