import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context, SQSEvent, SQSBatchResponse } from 'aws-lambda';
import dynalite from 'dynalite';
import { createAnnotateHandler } from '../functions/annotate';
import { createApprovalApiHandler } from '../functions/approval-api';
import { createAssessHandler } from '../functions/assess';
import { approvalTableDefinition } from '../functions/commons/approval-store';
import { auditTableDefinition } from '../functions/commons/audit';
import { lockTableDefinition } from '../functions/commons/resource-lock';
import type { HubfixConfig } from '../functions/commons/config';
import type { Runtime } from '../functions/commons/runtime';
import { createIntakeHandler } from '../functions/intake';
import { createRemediateHandler } from '../functions/remediate';
import { createRequestApprovalHandler } from '../functions/request-approval';
import { createVerifyHandler } from '../functions/verify';
import type { Fixture } from './fixture';
import { LocalStepFunctions, type LocalExecution, type LocalFunction } from './local-step-functions';
import { SimulatedAws } from './simulated-aws';
import { simulatedClientFactory } from './simulated-clients';
import { synthesizeWorkflow, type SynthesizedWorkflow } from './synthesized-definition';

export interface LocalCloudOptions {
  fixture: Fixture;
  config: HubfixConfig;
  now?: () => Date;
  /** Retry intervals in ms instead of the definition's seconds (tests: 0). */
  retryIntervalMs?: number;
  /** Port of the local approval page; 0 picks a free one. */
  approvalPort?: number;
  /** Reuse one synthesized workflow across many clouds (tests synthesize once per file). */
  workflow?: SynthesizedWorkflow;
  onStateEntered?: (execution: LocalExecution, stateName: string) => void;
}

const lambdaContext = (role: string): Context =>
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

type Handler<I, O> = (event: I, context: Context) => Promise<O>;
const bind =
  <I, O>(role: string, handler: Handler<I, O>) =>
  (payload: unknown): Promise<O> =>
    handler(payload as I, lambdaContext(role));

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

/**
 * The whole of hubfix on one machine: the simulated account, DynamoDB (dynalite), the synthesized state
 * machine on aws-local-stepfunctions with every task bound to its real handler, and the approval API
 * served on localhost exactly as API Gateway would call it.
 */
export class LocalCloud {
  private constructor(
    readonly sim: SimulatedAws,
    readonly stepFunctions: LocalStepFunctions,
    readonly runtime: Runtime,
    readonly workflow: SynthesizedWorkflow,
    private readonly intake: Handler<SQSEvent, SQSBatchResponse | void>,
    private readonly approvalApi: Handler<APIGatewayProxyEvent, APIGatewayProxyResult>,
    private readonly servers: Server[],
    readonly approvalBaseUrl: string,
  ) {}

  static async start(options: LocalCloudOptions): Promise<LocalCloud> {
    const now = options.now ?? (() => new Date());
    const { homeAccountId, homeRegion } = options.fixture;
    const sim = new SimulatedAws(options.fixture, now);

    const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    const dynamoPort = await listen(dynamo, 0);
    const approvalServer = createServer();
    const approvalPort = await listen(approvalServer, options.approvalPort ?? 0);
    const approvalBaseUrl = `http://127.0.0.1:${approvalPort}`;

    const workflow = options.workflow ?? synthesizeWorkflow(options.config, homeAccountId, homeRegion);
    const clients = simulatedClientFactory(sim, { homeAccountId, homeRegion, dynamoEndpoint: `http://127.0.0.1:${dynamoPort}` });
    const settings = {
      approvalTableName: 'hubfix-approvals',
      lockTableName: 'hubfix-locks',
      approvalTopicArn: `arn:aws:sns:${homeRegion}:${homeAccountId}:hubfix-approvals`,
      linkSecretId: 'hubfix/approval-link-key',
      approvalBaseUrl,
      stateMachineArn: workflow.stateMachineArn,
      auditTableName: 'hubfix-audit',
    };
    sim.secrets.set(settings.linkSecretId, randomBytes(32).toString('base64url'));
    await clients.home(DynamoDBClient).send(new CreateTableCommand(approvalTableDefinition(settings.approvalTableName)));
    await clients.home(DynamoDBClient).send(new CreateTableCommand(lockTableDefinition(settings.lockTableName)));
    await clients.home(DynamoDBClient).send(new CreateTableCommand(auditTableDefinition(settings.auditTableName)));

    const runtime: Runtime = { clients, config: options.config, settings, now };
    const get = () => runtime;
    const functions: Record<string, LocalFunction> = {
      assess: bind('assess', createAssessHandler(get)),
      requestApproval: bind('requestApproval', createRequestApprovalHandler(get)),
      remediate: bind('remediate', createRemediateHandler(get)),
      verify: bind('verify', createVerifyHandler(get)),
      annotate: bind('annotate', createAnnotateHandler(get)),
    };
    const stepFunctions = new LocalStepFunctions({
      workflow,
      functions,
      accountId: homeAccountId,
      region: homeRegion,
      retryIntervalMs: options.retryIntervalMs,
      onStateEntered: options.onStateEntered,
    });
    sim.serve('SFNClient', stepFunctions.commands());

    const cloud = new LocalCloud(
      sim,
      stepFunctions,
      runtime,
      workflow,
      createIntakeHandler(get),
      createApprovalApiHandler(get),
      [dynamo, approvalServer],
      approvalBaseUrl,
    );
    approvalServer.on('request', (request, response) => {
      cloud
        .callApprovalApi(request)
        .then((result) => {
          response.writeHead(result.statusCode, (result.headers ?? {}) as Record<string, string>);
          response.end(request.method === 'HEAD' ? undefined : result.body);
        })
        .catch((error: unknown) => {
          response.writeHead(502, { 'content-type': 'text/plain' });
          response.end(`Local API Gateway: the approval function failed: ${(error as Error).message}`);
        });
    });
    return cloud;
  }

  /** Delivers an EventBridge event the way the deployed stack does: one SQS message to the intake function. */
  async deliver(event: unknown): Promise<SQSBatchResponse | void> {
    const messageId = randomUUID();
    const sqsEvent: SQSEvent = {
      Records: [
        {
          messageId,
          receiptHandle: messageId,
          body: JSON.stringify(event),
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: String(Date.now()),
            SenderId: 'events.amazonaws.com',
            ApproximateFirstReceiveTimestamp: String(Date.now()),
          },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:local:000000000000:hubfix-intake',
          awsRegion: 'local',
        },
      ],
    };
    return this.intake(sqsEvent, lambdaContext('intake'));
  }

  /** Waits until every execution has stopped (decisions must come from elsewhere, or the wait times out). */
  settle(): Promise<void> {
    return this.stepFunctions.settle();
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }

  private async callApprovalApi(request: IncomingMessage) {
    const url = new URL(request.url ?? '/', this.approvalBaseUrl);
    const sourceIp = request.socket.remoteAddress ?? '127.0.0.1';
    const body = await readBody(request);
    if (body === undefined) return { statusCode: 413, headers: { 'content-type': 'text/plain' }, body: 'Request Entity Too Large' };
    const match = /^\/approvals\/([^/]+)$/.exec(url.pathname);
    const event = {
      httpMethod: request.method ?? 'GET',
      path: url.pathname,
      resource: match ? '/approvals/{approvalId}' : url.pathname,
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
    return this.approvalApi(event, lambdaContext('approvalApi'));
  }
}

const listen = (server: { listen: (port: number, host: string, cb: () => void) => unknown; address: () => unknown }, port: number) =>
  new Promise<number>((resolve) => {
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
