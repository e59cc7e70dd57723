import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { CfnStateMachine, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { HubfixConfig } from '../functions/commons/config';
import { buildApp } from '../infra/build-app';
import type { HubfixStack } from '../infra/hubfix-stack';

/** Which function a Task state calls, by its role in the stack (assess, requestApproval, …). */
export interface TaskBinding {
  role: string;
  waitForTaskToken: boolean;
  /** lambda:invoke integrations hand the function only Parameters.Payload; a bare function ARN hands it the input. */
  payloadOnly: boolean;
}

export interface SynthesizedWorkflow {
  /** The definition exactly as deployed, with substitutions resolved to local placeholder ARNs. */
  definition: { States: Record<string, Record<string, unknown>>; StartAt: string } & Record<string, unknown>;
  stateMachineArn: string;
  taskFunctions: Record<string, TaskBinding>;
  /** Environment of each function role as the stack sets it (the sandbox fills the same settings). */
  environment: Record<string, Record<string, unknown>>;
}

type Json = Record<string, unknown>;

/** Which of the stack's state machines to run, the functions its tasks may call, and its local name. */
export interface WorkflowSelector {
  name: string;
  stateMachine: (stack: HubfixStack) => StateMachine;
  functions: (stack: HubfixStack) => Record<string, NodejsFunction>;
}

/** The remediation workflow (one execution per finding): what synthesizeWorkflow runs unless told otherwise. */
export const REMEDIATION_WORKFLOW: WorkflowSelector = {
  name: 'hubfix-remediate-finding',
  stateMachine: (stack) => stack.stateMachine,
  functions: (stack) => stack.functions,
};

/** The Task states of a definition, including those inside Map iterators and Parallel branches (local overrides are keyed by state name). */
const taskStates = (states: Record<string, Json>): [string, Json][] =>
  Object.entries(states).flatMap(([name, state]) => {
    const nested = [state.ItemProcessor, state.Iterator, ...((state.Branches as unknown[] | undefined) ?? [])] as ({ States?: Record<string, Json> } | undefined)[];
    return [...(state.Type === 'Task' ? [[name, state] as [string, Json]] : []), ...nested.flatMap((n) => (n?.States ? taskStates(n.States) : []))];
  });

const localFunctionArn = (accountId: string, region: string, role: string) => `arn:aws:lambda:${region}:${accountId}:function:hubfix-${role}`;

/**
 * Synthesizes the real CDK stack (no bundling) and returns its state machine definition with every
 * `${...}` substitution resolved: a Fn::GetAtt of a stack function becomes a local ARN naming that
 * function's role. The sandbox and the workflow tests run this; there is no second copy of the workflow.
 */
export const synthesizeWorkflow = (config: HubfixConfig, accountId: string, region: string, which: WorkflowSelector = REMEDIATION_WORKFLOW): SynthesizedWorkflow => {
  const outdir = mkdtempSync(join(tmpdir(), 'hubfix-synth-'));
  try {
    const { app, stack } = buildApp({ outdir, config, bundle: false });
    const assembly = app.synth();
    const template = assembly.getStackArtifact(stack.artifactId).template as { Resources: Record<string, { Properties: Json }> };

    const functions = which.functions(stack);
    const roleByLogicalId = new Map(
      Object.entries(functions).map(([role, fn]) => [stack.getLogicalId(fn.node.defaultChild as CfnFunction), role]),
    );
    const machineProps = template.Resources[stack.getLogicalId(which.stateMachine(stack).node.defaultChild as CfnStateMachine)].Properties;

    const substitutions = Object.fromEntries(
      Object.entries((machineProps.DefinitionSubstitutions ?? {}) as Record<string, unknown>).map(([name, value]) => {
        const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
        const role = getAtt && roleByLogicalId.get(getAtt[0]);
        if (!role) throw new Error(`Substitution ${name} is not a stack function's ARN; the sandbox cannot bind it`);
        return [name, localFunctionArn(accountId, region, role)];
      }),
    );
    const raw = definitionText(machineProps, assembly.directory);
    const resolved = raw.replace(/\$\{(\w+)\}/g, (whole, name: string) => substitutions[name] ?? whole);
    const definition = JSON.parse(resolved) as SynthesizedWorkflow['definition'];

    const roleByArn = new Map(Object.values(functions).map((fn) => {
      const role = roleByLogicalId.get(stack.getLogicalId(fn.node.defaultChild as CfnFunction)) as string;
      return [localFunctionArn(accountId, region, role), role];
    }));
    const taskFunctions: Record<string, TaskBinding> = {};
    for (const [stateName, state] of taskStates(definition.States)) {
      const resource = String(state.Resource);
      const waitForTaskToken = resource.endsWith('.waitForTaskToken');
      const arn = resource.startsWith('arn:aws:lambda:') ? resource : String((state.Parameters as Json | undefined)?.FunctionName);
      const role = roleByArn.get(arn);
      if (!role) throw new Error(`Task state ${stateName} calls ${resource}, which is not a stack function`);
      taskFunctions[stateName] = { role, waitForTaskToken, payloadOnly: resource.startsWith('arn:aws:states:::lambda:invoke') };
    }

    const environment = Object.fromEntries(
      Object.entries(functions).map(([role, fn]) => {
        const props = template.Resources[stack.getLogicalId(fn.node.defaultChild as CfnFunction)].Properties;
        return [role, ((props.Environment as { Variables?: Json } | undefined)?.Variables ?? {}) as Json];
      }),
    );
    return {
      definition,
      stateMachineArn: `arn:aws:states:${region}:${accountId}:stateMachine:${which.name}`,
      taskFunctions,
      environment,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
};

/** DefinitionString inline, or the S3 asset DefinitionBody.fromFile produces (read from the cloud assembly). */
const definitionText = (props: Json, assemblyDir: string): string => {
  if (typeof props.DefinitionString === 'string') return props.DefinitionString;
  const location = props.DefinitionS3Location as { Key?: string } | undefined;
  if (location?.Key) return readFileSync(join(assemblyDir, `asset.${location.Key}`), 'utf8');
  throw new Error('The synthesized state machine has neither DefinitionString nor DefinitionS3Location');
};
