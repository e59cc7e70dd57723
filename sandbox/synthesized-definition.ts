import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { CfnStateMachine, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { HubfixConfig } from '../functions/platform/config';
import { buildApp } from '../infra/build-app';
import type { HubfixStack } from '../infra/hubfix-stack';

/** Which function a Task state calls, by its role in the stack (assess, requestApproval, …). */
export interface TaskBinding {
  role: string;
  /** The qualified (version) ARN the definition names: a definition invokes the function versions it was deployed with. */
  functionArn: string;
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

/** The local ARN of a state machine of the stack. */
export const localStateMachineArn = (accountId: string, region: string, which: WorkflowSelector): string =>
  `arn:aws:states:${region}:${accountId}:stateMachine:${which.name}`;

/**
 * The Task states of a definition, including those inside Map iterators and Parallel branches (local overrides are
 * keyed by state name).
 */
const taskStates = (states: Record<string, Json>): [string, Json][] =>
  Object.entries(states).flatMap(([name, state]) => {
    const nested = [state.ItemProcessor, state.Iterator, ...((state.Branches as unknown[] | undefined) ?? [])] as (
      { States?: Record<string, Json> } | undefined
    )[];
    return [
      ...(state.Type === 'Task' ? [[name, state] as [string, Json]] : []),
      ...nested.flatMap((n) => (n?.States ? taskStates(n.States) : [])),
    ];
  });

/** The local ARN of version `version` of the function with this role (the sandbox numbers versions per deployment). */
export const localFunctionArn = (accountId: string, region: string, role: string, version: number) =>
  `arn:aws:lambda:${region}:${accountId}:function:hubfix-${role}:${version}`;

/** The version the synthesized definition names: the first deployment's. */
const FIRST_VERSION = 1;

/**
 * Synthesizes the real CDK stack (no bundling) and returns its state machine definition with every
 * `${...}` substitution resolved: a Ref of a stack function's published version becomes a local version ARN naming
 * that function's role. A substitution naming the unqualified function ($LATEST) is refused, as a definition must
 * invoke the versions it was deployed with. The sandbox and the workflow tests run this; there is no second copy of
 * the workflow.
 */
export const synthesizeWorkflow = (
  config: HubfixConfig,
  accountId: string,
  region: string,
  which: WorkflowSelector = REMEDIATION_WORKFLOW,
): SynthesizedWorkflow => {
  const outdir = mkdtempSync(join(tmpdir(), 'hubfix-synth-'));
  try {
    const { app, stack } = buildApp({ outdir, config, bundle: false });
    const assembly = app.synth();
    const template = assembly.getStackArtifact(stack.artifactId).template as {
      Resources: Record<string, { Type: string; Properties: Json }>;
    };

    const functions = which.functions(stack);
    const roleByLogicalId = new Map(
      Object.entries(functions).map(([role, fn]) => [stack.getLogicalId(fn.node.defaultChild as CfnFunction), role]),
    );
    // AWS::Lambda::Version resources of the stack functions, by logical id: the Ref of one is its version ARN.
    const roleByVersionId = new Map(
      Object.entries(template.Resources).flatMap(([logicalId, resource]) => {
        const owner = resource.Type === 'AWS::Lambda::Version' && (resource.Properties.FunctionName as { Ref?: string } | undefined)?.Ref;
        const role = owner ? roleByLogicalId.get(owner) : undefined;
        return role ? [[logicalId, role] as const] : [];
      }),
    );
    const machineProps = template.Resources[stack.getLogicalId(which.stateMachine(stack).node.defaultChild as CfnStateMachine)].Properties;

    const substitutions = Object.fromEntries(
      Object.entries((machineProps.DefinitionSubstitutions ?? {}) as Record<string, unknown>).map(([name, value]) => {
        const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
        if (getAtt && roleByLogicalId.has(getAtt[0])) {
          throw new Error(
            `Substitution ${name} names the unqualified function ${getAtt[0]} ($LATEST); a definition must name the version it was ` +
              `deployed with`,
          );
        }
        const ref = (value as { Ref?: string }).Ref;
        const role = ref ? roleByVersionId.get(ref) : undefined;
        if (!role) throw new Error(`Substitution ${name} is not a published version of a stack function; the sandbox cannot bind it`);
        return [name, localFunctionArn(accountId, region, role, FIRST_VERSION)];
      }),
    );
    const raw = definitionText(machineProps, assembly.directory);
    const resolved = raw.replace(/\$\{(\w+)\}/g, (whole, name: string) => substitutions[name] ?? whole);
    const definition = JSON.parse(resolved) as SynthesizedWorkflow['definition'];

    const roleByArn = new Map(
      [...roleByLogicalId.values()].map((role) => [localFunctionArn(accountId, region, role, FIRST_VERSION), role]),
    );
    const taskFunctions: Record<string, TaskBinding> = {};
    for (const [stateName, state] of taskStates(definition.States)) {
      const resource = String(state.Resource);
      const waitForTaskToken = resource.endsWith('.waitForTaskToken');
      const arn = resource.startsWith('arn:aws:lambda:') ? resource : String((state.Parameters as Json | undefined)?.FunctionName);
      const role = roleByArn.get(arn);
      if (!role) throw new Error(`Task state ${stateName} calls ${resource}, which is not a stack function`);
      taskFunctions[stateName] = {
        role,
        functionArn: arn,
        waitForTaskToken,
        payloadOnly: resource.startsWith('arn:aws:states:::lambda:invoke'),
      };
    }

    const environment = Object.fromEntries(
      Object.entries(functions).map(([role, fn]) => {
        const props = template.Resources[stack.getLogicalId(fn.node.defaultChild as CfnFunction)].Properties;
        return [role, ((props.Environment as { Variables?: Json } | undefined)?.Variables ?? {}) as Json];
      }),
    );
    return {
      definition,
      stateMachineArn: localStateMachineArn(accountId, region, which),
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
