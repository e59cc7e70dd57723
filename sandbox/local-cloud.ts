import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSEvent, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import dynalite from 'dynalite';
import { createAnnotateHandler } from '../functions/handlers/annotate';
import { createApprovalApiHandler } from '../functions/handlers/approval-api';
import { createAssessHandler } from '../functions/handlers/assess';
import { approvalTableDefinition } from '../functions/approval/approval-store';
import { auditTableDefinition } from '../functions/audit/audit';
import { lockTableDefinition } from '../functions/workflow/resource-lock';
import type { ClientFactory } from '../functions/platform/clients';
import type { HubfixConfig, SlackConfig } from '../functions/platform/config';
import type { Runtime } from '../functions/platform/runtime';
import { createIntakeHandler } from '../functions/handlers/intake';
import { createRemediateHandler } from '../functions/handlers/remediate';
import { createRequestApprovalHandler } from '../functions/handlers/request-approval';
import { createSlackExecutionClosedHandler } from '../functions/handlers/slack-execution-closed';
import { createSlackInteractionsHandler, type HandOff } from '../functions/handlers/slack-interactions';
import { createSlackVotesHandler } from '../functions/handlers/slack-votes';
import { createVerifyHandler } from '../functions/handlers/verify';
import { createApplyControlsHandler } from '../functions/hygiene/apply-controls';
import { createPrepareBatchHandler } from '../functions/hygiene/prepare-batch';
import { createRecordChangesHandler } from '../functions/hygiene/record-changes';
import { slackReplayTableDefinition } from '../functions/approval/slack/replay-guard';
import { slackMessageTableDefinition } from '../functions/approval/slack/slack-message-store';
import type { Fixture } from './fixture';
import { bind, lambdaContext, listen, serveApprovalApi, type Handler } from './local-lambda';
import { LocalSlack, type LocalSlackUser } from './local-slack';
import { LocalStepFunctions, type LocalExecution, type LocalFunction } from './local-step-functions';
import { SimulatedAws, type ServiceCommands } from './simulated-aws';
import { LocalIdentityProvider, startLocalSignIn } from './local-identity-provider';
import { simulatedClientFactory } from './simulated-clients';
import {
  localStateMachineArn,
  REMEDIATION_WORKFLOW,
  synthesizeWorkflow,
  type SynthesizedWorkflow,
  type WorkflowSelector,
} from './synthesized-definition';

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
  /** The same for the control-hygiene state machine (synthesized on first use when absent). */
  hygieneWorkflow?: SynthesizedWorkflow;
  onStateEntered?: (execution: LocalExecution, stateName: string) => void;
  /** The build deployed first (default: this code's handlers, remediationFunctions); tests model an older build with it. */
  functions?: (runtime: () => Runtime) => Record<string, LocalFunction>;
  /** The Slack workspace's people, when the configuration has `slack` (users.info answers from them). */
  slackUsers?: LocalSlackUser[];
}

/** The path Slack's Interactivity Request URL points at, on the approval API. */
export const SLACK_INTERACTIONS_PATH = '/slack/interactions';
const SLACK_REPLAY_TABLE = 'hubfix-slack-replay';
const SLACK_MESSAGE_TABLE = 'hubfix-slack-messages';

/** The state machine's task functions of this build: the real handlers, by the role the definition binds them to. */
export const remediationFunctions = (get: () => Runtime): Record<string, LocalFunction> => ({
  assess: bind('assess', createAssessHandler(get)),
  requestApproval: bind('requestApproval', createRequestApprovalHandler(get)),
  remediate: bind('remediate', createRemediateHandler(get)),
  verify: bind('verify', createVerifyHandler(get)),
  annotate: bind('annotate', createAnnotateHandler(get)),
});

/** The control-hygiene state machine of the stack, with its four functions. */
export const HYGIENE_WORKFLOW: WorkflowSelector = {
  name: 'hubfix-control-hygiene',
  stateMachine: (stack) => stack.controlHygiene.stateMachine,
  functions: (stack) => stack.controlHygiene.functions,
};

export const synthesizeHygieneWorkflow = (config: HubfixConfig, accountId: string, region: string): SynthesizedWorkflow =>
  synthesizeWorkflow(config, accountId, region, HYGIENE_WORKFLOW);

/** The control-hygiene state machine's task functions: the same step wrapper and approval request as remediations. */
export const hygieneFunctions = (get: () => Runtime): Record<string, LocalFunction> => ({
  prepare: bind('prepare', createPrepareBatchHandler(get)),
  requestBatchApproval: bind('requestBatchApproval', createRequestApprovalHandler(get)),
  applyControls: bind('applyControls', createApplyControlsHandler(get)),
  recordChanges: bind('recordChanges', createRecordChangesHandler(get)),
});

/**
 * The SFN API of the local state machines: StartExecution goes to the machine its ARN names (deployed on first use),
 * task answers to the machine that issued the token, DescribeExecution to the one that ran it. What no machine owns
 * goes to the remediation one, which answers as AWS does (unknown ARN, token or execution).
 */
const stepFunctionsApi = (named: (arn: string) => LocalStepFunctions, deployed: () => LocalStepFunctions[]): ServiceCommands => {
  const owner = (owns: (machine: LocalStepFunctions) => boolean) => deployed().find(owns) ?? named('');
  const taskAnswer =
    (name: string): ServiceCommands[string] =>
    (input, ctx) =>
      owner((m) => m.hasTask(String(input.taskToken)))
        .commands()
        [name](input, ctx);
  return {
    StartExecution: (input, ctx) => named(String(input.stateMachineArn)).commands().StartExecution(input, ctx),
    SendTaskSuccess: taskAnswer('SendTaskSuccess'),
    SendTaskFailure: taskAnswer('SendTaskFailure'),
    StopExecution: (input, ctx) =>
      owner((m) => m.executions.has(String(input.executionArn)))
        .commands()
        .StopExecution(input, ctx),
    DescribeExecution: (input, ctx) =>
      owner((m) => m.executions.has(String(input.executionArn)))
        .commands()
        .DescribeExecution(input, ctx),
  };
};

/**
 * The whole of hubfix on one machine: the simulated organization, DynamoDB (dynalite), both synthesized state
 * machines (remediation; control hygiene, on first use) on aws-local-stepfunctions with every task bound to its real
 * handler, and the approval API served on localhost exactly as API Gateway would call it.
 */
export class LocalCloud {
  private remediation?: LocalStepFunctions;
  private hygiene?: LocalStepFunctions;
  /** Slack clicks accepted and not yet decided by the vote worker. */
  private readonly slackVotes = new Set<Promise<unknown>>();

  private constructor(
    private readonly options: LocalCloudOptions,
    readonly sim: SimulatedAws,
    readonly runtime: Runtime,
    private readonly intake: Handler<SQSEvent, SQSBatchResponse | void>,
    private readonly servers: (Server | LocalIdentityProvider)[],
    readonly approvalBaseUrl: string,
    /** The stand-in for slack.com, when Slack is configured. */
    readonly slack?: LocalSlack,
  ) {}

  /** Slack's Interactivity Request URL for this cloud. */
  get slackInteractionsUrl(): string {
    return `${this.approvalBaseUrl}${SLACK_INTERACTIONS_PATH}`;
  }

  static async start(options: LocalCloudOptions): Promise<LocalCloud> {
    const now = options.now ?? (() => new Date());
    const { homeAccountId, homeRegion } = options.fixture;
    const sim = new SimulatedAws(options.fixture, now);

    const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    const dynamoPort = await listen(dynamo, 0);
    const approvalServer = createServer();
    const approvalPort = await listen(approvalServer, options.approvalPort ?? 0);
    const approvalBaseUrl = `http://127.0.0.1:${approvalPort}`;

    const signIn = await startLocalSignIn(approvalBaseUrl, options.config.approvalAuth.groupsClaim);
    const clients = simulatedClientFactory(sim, { homeAccountId, homeRegion, dynamoEndpoint: `http://127.0.0.1:${dynamoPort}` });
    const settings = {
      approvalTableName: 'hubfix-approvals',
      lockTableName: 'hubfix-locks',
      approvalTopicArn: `arn:aws:sns:${homeRegion}:${homeAccountId}:hubfix-approvals`,
      linkSecretId: 'hubfix/approval-link-key',
      approvalBaseUrl,
      stateMachineArn: options.workflow?.stateMachineArn ?? localStateMachineArn(homeAccountId, homeRegion, REMEDIATION_WORKFLOW),
      ...signIn.settings,
      auditTableName: 'hubfix-audit',
      ...(options.config.slack ? { slackMessageTableName: SLACK_MESSAGE_TABLE } : {}),
    };
    sim.secrets.set(settings.linkSecretId, randomBytes(32).toString('base64url'));
    sim.secrets.set(settings.authClientSecretId, signIn.clientSecret);
    await clients.home(DynamoDBClient).send(new CreateTableCommand(approvalTableDefinition(settings.approvalTableName)));
    await clients.home(DynamoDBClient).send(new CreateTableCommand(lockTableDefinition(settings.lockTableName)));
    await clients.home(DynamoDBClient).send(new CreateTableCommand(auditTableDefinition(settings.auditTableName)));

    const slack = options.config.slack ? await startSlack(sim, clients, options.config.slack, options.slackUsers ?? []) : undefined;
    const runtime: Runtime = { clients, config: options.config, settings, now, ...(slack ? { slackApiUrl: slack.apiUrl } : {}) };
    const get = () => runtime;
    const cloud: LocalCloud = new LocalCloud(
      options,
      sim,
      runtime,
      createIntakeHandler(get),
      [dynamo, approvalServer, signIn.provider],
      approvalBaseUrl,
      slack,
    );
    const approvalApi = createApprovalApiHandler(get);
    const slackInteractions = createSlackInteractionsHandler(get, () => SLACK_REPLAY_TABLE, cloud.voteQueue());
    // One API, as in the stack: the approval pages and Slack's interactivity route.
    serveApprovalApi(approvalServer, approvalBaseUrl, (event, context) =>
      event.path === SLACK_INTERACTIONS_PATH ? slackInteractions(event, context) : approvalApi(event, context),
    );
    sim.serve(
      'SFNClient',
      stepFunctionsApi(
        (arn) => (arn === localStateMachineArn(homeAccountId, homeRegion, HYGIENE_WORKFLOW) ? cloud.controlHygiene() : cloud.stepFunctions),
        () => cloud.deployed(),
      ),
    );
    return cloud;
  }

  /**
   * The vote queue as the stack has it: an accepted click goes to the vote worker after the interactions route has
   * answered Slack (the route never waits for the vote). slackIdle() and settle() wait for the worker.
   */
  private voteQueue(): HandOff {
    const votes = createSlackVotesHandler(() => this.runtime);
    return async (_rt, click) => {
      const messageId = randomUUID();
      const event: SQSEvent = {
        Records: [{ ...sqsRecord(messageId, JSON.stringify(click)), eventSourceARN: 'arn:aws:sqs:local:000000000000:hubfix-slack-votes' }],
      };
      const vote = new Promise((resolve) => setImmediate(resolve)).then(() => votes(event, lambdaContext('slackVotes')));
      this.slackVotes.add(vote);
      void vote.finally(() => this.slackVotes.delete(vote));
    };
  }

  /** Waits until the vote worker has decided every Slack click accepted so far. */
  async slackIdle(): Promise<void> {
    while (this.slackVotes.size > 0) await Promise.all([...this.slackVotes]);
  }

  /** The state machines deployed so far. */
  private deployed(): LocalStepFunctions[] {
    return [this.remediation, this.hygiene].filter((m): m is LocalStepFunctions => m !== undefined);
  }

  /** The remediation state machine, deployed on first use (a synth takes seconds; hygiene-only runs skip it). */
  get stepFunctions(): LocalStepFunctions {
    if (!this.remediation) {
      const { homeAccountId, homeRegion } = this.options.fixture;
      this.remediation = new LocalStepFunctions({
        workflow: this.options.workflow ?? synthesizeWorkflow(this.runtime.config, homeAccountId, homeRegion),
        functions: (this.options.functions ?? remediationFunctions)(() => this.runtime),
        accountId: homeAccountId,
        region: homeRegion,
        retryIntervalMs: this.options.retryIntervalMs,
        onStateEntered: this.options.onStateEntered,
        onExecutionEnded: this.slack ? this.slackExecutionClosed(() => this.stepFunctions) : undefined,
      });
    }
    return this.remediation;
  }

  /** The stack's rule on the runs' status changes (both workflows), with the Slack message closer as its target. */
  private slackExecutionClosed(machine: () => LocalStepFunctions): (execution: LocalExecution) => Promise<unknown> {
    const closed = createSlackExecutionClosedHandler(() => this.runtime);
    return (execution) =>
      closed(
        {
          source: 'aws.states',
          'detail-type': 'Step Functions Execution Status Change',
          detail: { executionArn: execution.executionArn, stateMachineArn: machine().stateMachineArn, status: execution.status },
        },
        lambdaContext('slackExecutionClosed'),
      );
  }

  /** The control-hygiene state machine, deployed beside the remediation one on first use (its synth takes seconds). */
  controlHygiene(): LocalStepFunctions {
    if (!this.hygiene) {
      const { homeAccountId, homeRegion } = this.options.fixture;
      this.hygiene = new LocalStepFunctions({
        workflow: this.options.hygieneWorkflow ?? synthesizeHygieneWorkflow(this.runtime.config, homeAccountId, homeRegion),
        functions: hygieneFunctions(() => this.runtime),
        accountId: homeAccountId,
        region: homeRegion,
        retryIntervalMs: this.options.retryIntervalMs,
        onExecutionEnded: this.slack ? this.slackExecutionClosed(() => this.controlHygiene()) : undefined,
      });
    }
    return this.hygiene;
  }

  /** Delivers an EventBridge event the way the deployed stack does: one SQS message to the intake function. */
  async deliver(event: unknown): Promise<SQSBatchResponse | void> {
    const sqsEvent: SQSEvent = { Records: [sqsRecord(randomUUID(), JSON.stringify(event))] };
    return this.intake(sqsEvent, lambdaContext('intake'));
  }

  /**
   * Deploys the next build: its handlers become new function versions and a new definition version names them
   * (`workflow`: the build's own synthesized definition, default the current one). Executions started from now on
   * use them; running ones, a run waiting for an approval included, keep the versions they started with. The
   * approval API is no state machine task (API Gateway calls it unpinned): it is always this code, the newest build,
   * and reads the approval records older builds wrote. Returns the new state machine version.
   */
  deploy(functions: Record<string, LocalFunction>, workflow?: SynthesizedWorkflow): number {
    return this.stepFunctions.deploy(functions, workflow);
  }

  /** Waits until every execution has stopped (decisions must come from elsewhere, or the wait times out). */
  async settle(): Promise<void> {
    await this.slackIdle();
    await this.stepFunctions.settle();
    await this.hygiene?.settle();
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.servers.map((server) =>
        server instanceof LocalIdentityProvider ? server.stop() : new Promise<void>((resolve) => server.close(() => resolve())),
      ),
    );
    await this.slack?.stop();
  }
}

/** One SQS message as an event source mapping hands it to a function (the intake queue's unless told). */
const sqsRecord = (messageId: string, body: string): SQSRecord => ({
  messageId,
  receiptHandle: messageId,
  body,
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
});

/** The local slack.com, its bot token and signing secret in (simulated) Secrets Manager, and the replay table. */
const startSlack = async (sim: SimulatedAws, clients: ClientFactory, config: SlackConfig, users: LocalSlackUser[]): Promise<LocalSlack> => {
  const slack = await LocalSlack.start({ teamId: config.teamId, users });
  sim.secrets.set(config.botTokenSecretArn, slack.botToken);
  sim.secrets.set(config.signingSecretArn, slack.signingSecret);
  await clients.home(DynamoDBClient).send(new CreateTableCommand(slackReplayTableDefinition(SLACK_REPLAY_TABLE)));
  await clients.home(DynamoDBClient).send(new CreateTableCommand(slackMessageTableDefinition(SLACK_MESSAGE_TABLE)));
  return slack;
};
