import './promise-with-resolvers';
import { randomBytes } from 'node:crypto';
import { ExecutionAbortedError, StateMachine } from 'aws-local-stepfunctions';
import type { SimContext, ServiceCommands } from './simulated-aws';
import { SimulatedServiceError } from './simulated-aws';
import type { SynthesizedWorkflow, TaskBinding } from './synthesized-definition';

type RunOptions = NonNullable<Parameters<StateMachine['run']>[1]>;
type JsonValue = Parameters<NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>[string]>[0];

/** A deployed function's handler as the sandbox calls it: the JSON in, the JSON out (or a thrown error). */
export type LocalFunction = (payload: unknown) => Promise<unknown>;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface LocalExecution {
  executionArn: string;
  name: string;
  input: unknown;
  status: ExecutionStatus;
  startedAt: Date;
  stoppedAt?: Date;
  output?: unknown;
  error?: { Error: string; Cause: string };
  /** State names in the order they were entered: the bench counts transitions from this. */
  states: string[];
  /** The state machine version the execution started on: it runs that definition to its end. */
  version: number;
  /** The function ARNs its tasks invoked, in order: the versions its definition names. */
  invoked: string[];
  done: Promise<void>;
}

/** One deployment: a definition version, naming the function versions published with it. */
interface Deployment {
  version: number;
  workflow: SynthesizedWorkflow;
  machine: StateMachine;
}

interface PendingTask {
  executionArn: string;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
}

export interface LocalStepFunctionsOptions {
  /** The first deployment's definition (its tasks name version 1 of each function). */
  workflow: SynthesizedWorkflow;
  /** The function behind each role of the synthesized definition (assess, remediate, …): version 1 of each. */
  functions: Record<string, LocalFunction>;
  accountId: string;
  region: string;
  /** Scales every Retry interval (0 = retry at once) so fault tests do not wait real backoff time. */
  retryIntervalMs?: number;
  onStateEntered?: (execution: LocalExecution, stateName: string) => void;
  /**
   * Called once a run has ended, as EventBridge's execution status change would reach a rule's target; the execution
   * counts as settled only after it returns (tests see what the target did).
   */
  onExecutionEnded?: (execution: LocalExecution) => Promise<unknown>;
}

/** Errors a real Lambda invocation would report, with Cause in the JSON shape Step Functions gives. */
const asLambdaError = (error: unknown): Error => {
  const source = error instanceof Error ? error : new Error(String(error));
  const wrapped = new Error(JSON.stringify({ errorType: source.name, errorMessage: source.message }));
  wrapped.name = source.name;
  return wrapped;
};

/** The workflow with every task naming version `version` of its function, as a deployment publishing them would. */
const pinTo = (workflow: SynthesizedWorkflow, version: number): SynthesizedWorkflow => {
  const qualified = (arn: string) => arn.replace(/:[^:]+$/, `:${version}`);
  let text = JSON.stringify(workflow.definition);
  for (const { functionArn } of Object.values(workflow.taskFunctions))
    text = text.split(JSON.stringify(functionArn)).join(JSON.stringify(qualified(functionArn)));
  const taskFunctions = Object.fromEntries(
    Object.entries(workflow.taskFunctions).map(([state, binding]) => [state, { ...binding, functionArn: qualified(binding.functionArn) }]),
  );
  return { ...workflow, definition: JSON.parse(text) as SynthesizedWorkflow['definition'], taskFunctions };
};

/**
 * Runs the synthesized state machine definition with aws-local-stepfunctions, each Task bound to the
 * real handler of the function version its Resource names. Serves the SFN commands hubfix calls
 * (StartExecution, SendTaskSuccess/Failure, DescribeExecution) so the handlers talk to it as to AWS.
 *
 * Upgrades are modelled as on AWS: `deploy` publishes a build's handlers as new function versions and a definition
 * version naming them; new executions start on the newest, and every execution runs the definition it started on,
 * so it invokes the function versions that definition names (a waiting run ends on the code it started with).
 */
export class LocalStepFunctions {
  readonly executions = new Map<string, LocalExecution>();
  private readonly pendingTasks = new Map<string, PendingTask>();
  /** Every function version published so far, by qualified ARN. */
  private readonly lambdas = new Map<string, LocalFunction>();
  private readonly deployments: Deployment[] = [];
  /** How to stop each running execution (StopExecution). */
  private readonly aborts = new Map<string, () => void>();
  /** Executions whose run (and onExecutionEnded) has not returned yet. */
  private readonly unsettled = new Set<string>();

  constructor(private readonly options: LocalStepFunctionsOptions) {
    this.deploy(options.functions, options.workflow);
  }

  get stateMachineArn(): string {
    return this.options.workflow.stateMachineArn;
  }

  /** The newest definition version: the one StartExecution uses. */
  get version(): number {
    return this.current.version;
  }

  private get current(): Deployment {
    return this.deployments[this.deployments.length - 1];
  }

  /**
   * A deployment of the next build: publishes `functions` (one per role the definition calls) as new versions and a
   * definition version (by default the current definition; a build may bring its own) whose tasks name them. Returns
   * the new version number. Running executions keep theirs.
   */
  deploy(functions: Record<string, LocalFunction>, workflow: SynthesizedWorkflow = this.current.workflow): number {
    if (workflow.stateMachineArn !== this.stateMachineArn)
      throw new Error(`${workflow.stateMachineArn} is another state machine than ${this.stateMachineArn}`);
    const version = this.deployments.length + 1;
    const pinned = pinTo(workflow, version);
    const missing = Object.values(pinned.taskFunctions).find(({ role }) => !functions[role]);
    if (missing) throw new Error(`The build deployed as version ${version} has no function for role ${missing.role}`);
    for (const { role, functionArn } of Object.values(pinned.taskFunctions)) this.lambdas.set(functionArn, functions[role]);
    const machine = new StateMachine(pinned.definition as unknown as ConstructorParameters<typeof StateMachine>[0], {
      validationOptions: { checkArn: true, checkPaths: true },
    });
    this.deployments.push({ version, workflow: pinned, machine });
    return version;
  }

  /** SFN commands served by this engine (registered on the simulated account as SFNClient). */
  commands(): ServiceCommands {
    return {
      StartExecution: (input) => {
        const execution = this.start(
          String(input.name ?? randomBytes(8).toString('hex')),
          JSON.parse(String(input.input ?? '{}')),
          String(input.stateMachineArn),
        );
        return { executionArn: execution.executionArn, startDate: execution.startedAt };
      },
      SendTaskSuccess: (input) => {
        this.takeTask(String(input.taskToken)).resolve(JSON.parse(String(input.output)));
        return {};
      },
      SendTaskFailure: (input) => {
        const error = new Error(String(input.cause ?? ''));
        error.name = String(input.error ?? 'TaskFailed');
        this.takeTask(String(input.taskToken)).reject(error);
        return {};
      },
      StopExecution: (input) => {
        const executionArn = String(input.executionArn);
        const execution = this.executions.get(executionArn);
        if (!execution) throw new SimulatedServiceError('ExecutionDoesNotExist', `Execution does not exist: ${executionArn}`);
        // AWS answers a stop of an ended run without changing it.
        this.aborts.get(executionArn)?.();
        return { stopDate: new Date() };
      },
      DescribeExecution: (input) => {
        const execution = this.executions.get(String(input.executionArn));
        if (!execution) throw new SimulatedServiceError('ExecutionDoesNotExist', `Execution does not exist: ${String(input.executionArn)}`);
        return {
          executionArn: execution.executionArn,
          name: execution.name,
          status: execution.status,
          startDate: execution.startedAt,
          stopDate: execution.stoppedAt,
          input: JSON.stringify(execution.input),
          output: execution.output === undefined ? undefined : JSON.stringify(execution.output),
          error: execution.error?.Error,
          cause: execution.error?.Cause,
        };
      },
    };
  }

  start(name: string, input: unknown, stateMachineArn = this.stateMachineArn, _ctx?: SimContext): LocalExecution {
    if (stateMachineArn !== this.stateMachineArn) {
      throw new SimulatedServiceError('StateMachineDoesNotExist', `State machine does not exist: ${stateMachineArn}`);
    }
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new SimulatedServiceError('InvalidName', `Invalid execution name: ${name}`);
    const executionArn = `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    if (this.executions.has(executionArn)) {
      throw new SimulatedServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const deployment = this.current;
    const execution: LocalExecution = {
      executionArn,
      name,
      input,
      status: 'RUNNING',
      startedAt: new Date(),
      states: [],
      version: deployment.version,
      invoked: [],
      done: Promise.resolve(),
    };
    this.executions.set(executionArn, execution);
    this.unsettled.add(executionArn);
    execution.done = this.run(execution, deployment);
    return execution;
  }

  /** Resolves when every execution started so far (and any they started) has stopped. */
  async settle(): Promise<void> {
    for (;;) {
      const running = [...this.executions.values()].filter((e) => this.unsettled.has(e.executionArn));
      if (running.length === 0) return;
      await Promise.all(running.map((e) => e.done));
    }
  }

  /** Whether this state machine issued the task token and still waits for it (one local cloud runs two machines). */
  hasTask(taskToken: string): boolean {
    return this.pendingTasks.has(taskToken);
  }

  /** Task tokens of executions waiting for a decision (the sandbox uses them to decide for a demo). */
  waitingExecutions(): string[] {
    return [...this.pendingTasks.values()].map((t) => t.executionArn);
  }

  private async run(execution: LocalExecution, { workflow, machine }: Deployment): Promise<void> {
    const taskToken = randomBytes(48).toString('base64url');
    const handlers = Object.fromEntries(
      Object.entries(workflow.taskFunctions).map(([stateName, binding]) => [
        stateName,
        async (payload: JsonValue) => (await this.invoke(execution, taskToken, binding, payload)) as JsonValue,
      ]),
    );
    const retryIntervalOverrides =
      this.options.retryIntervalMs === undefined
        ? undefined
        : Object.fromEntries(Object.keys(workflow.taskFunctions).map((s) => [s, this.options.retryIntervalMs as number]));
    const { result, eventLogs, abort } = machine.run(execution.input as Parameters<StateMachine['run']>[0], {
      overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides },
      context: {
        Execution: {
          Id: execution.executionArn,
          Name: execution.name,
          StartTime: execution.startedAt.toISOString(),
          Input: execution.input as never,
        },
        StateMachine: { Id: this.stateMachineArn },
        Task: { Token: taskToken },
      },
    });
    this.aborts.set(execution.executionArn, abort);
    const watch = (async () => {
      for await (const event of eventLogs) {
        if (event.type === 'StateEntered' && event.index === undefined) {
          execution.states.push(event.state.name);
          this.options.onStateEntered?.(execution, event.state.name);
        }
        // A wait that ended (timeout, failure) must not accept a late decision: AWS answers TaskTimedOut.
        if ((event.type === 'StateFailed' || event.type === 'StateCaught') && workflow.taskFunctions[event.state.name]?.waitForTaskToken) {
          this.dropTasks(execution.executionArn);
        }
      }
    })();
    try {
      execution.output = await result;
      execution.status = 'SUCCEEDED';
    } catch (error) {
      const e = error as Error & { cause?: unknown };
      execution.status = e instanceof ExecutionAbortedError ? 'ABORTED' : e.name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : 'FAILED';
      execution.error = errorInfo(e);
    } finally {
      execution.stoppedAt = new Date();
      this.aborts.delete(execution.executionArn);
      this.dropTasks(execution.executionArn);
      await watch.catch(() => undefined);
    }
    try {
      await this.options.onExecutionEnded?.(execution);
    } finally {
      this.unsettled.delete(execution.executionArn);
    }
  }

  private async invoke(execution: LocalExecution, taskToken: string, binding: TaskBinding, input: unknown): Promise<unknown> {
    // The version the definition names, never "the current code": that is what pins a run to its deployment.
    const fn = this.lambdas.get(binding.functionArn);
    const payload = binding.payloadOnly ? (input as { Payload?: unknown }).Payload : input;
    if (!fn) throw new Error(`The sandbox has no function version ${binding.functionArn}`);
    execution.invoked.push(binding.functionArn);
    if (!binding.waitForTaskToken) {
      return fn(payload).catch((error: unknown) => {
        throw asLambdaError(error);
      });
    }
    // .waitForTaskToken: the function only starts the wait; the state ends when SendTask* names the token.
    const settled = new Promise<unknown>((resolve, reject) =>
      this.pendingTasks.set(taskToken, { executionArn: execution.executionArn, resolve, reject }),
    );
    // The wait can end (a stop) while the function is still sending its request: the rejection waits for the return below.
    settled.catch(() => undefined);
    try {
      await fn(payload);
    } catch (error) {
      this.pendingTasks.delete(taskToken);
      throw asLambdaError(error);
    }
    return settled;
  }

  private takeTask(taskToken: string): PendingTask {
    const task = this.pendingTasks.get(taskToken);
    if (!task)
      throw new SimulatedServiceError('TaskTimedOut', 'Task Timed Out: the task token is unknown, already used, or its wait has ended');
    this.pendingTasks.delete(taskToken);
    return task;
  }

  /**
   * Ends the waits of a run that stopped or left its wait: a later SendTask* is refused, and the wait's own promise
   * settles, so the Task state's timeout timer (TimeoutSecondsPath: days) is cleared instead of holding the process open.
   */
  private dropTasks(executionArn: string): void {
    for (const [token, task] of this.pendingTasks) {
      if (task.executionArn !== executionArn) continue;
      this.pendingTasks.delete(token);
      const ended = new Error('The wait ended without a decision (the run stopped, timed out or failed)');
      ended.name = 'States.TaskWaitEnded';
      task.reject(ended);
    }
  }
}

/** The Error/Cause pair of a failed execution (a Fail state's own, or the uncaught error's). */
const errorInfo = (error: Error & { cause?: unknown }): { Error: string; Cause: string } => {
  const failure = error.name === 'ExecutionError' && error.cause instanceof Error ? error.cause : error;
  return { Error: failure.name, Cause: failure.message };
};
