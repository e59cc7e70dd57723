import type { Template } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../functions/platform/config';
import { actionsOf, roleStatements, synthHubfix, TEST_CONFIG } from './synth';

/**
 * A run may wait days for an approval while hubfix is redeployed: each definition must invoke the function versions it
 * was deployed with (docs/upgrades.md). These tests read the synthesized template only, as CloudFormation would.
 */

type Json = Record<string, unknown>;
type Resources = Record<string, { Type: string; Properties: Json; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;

interface TaskTarget {
  machine: string;
  state: string;
  /** What the task invokes: the resolved substitution or the literal ARN. */
  target: unknown;
}

/** Task states of a definition, those inside Map and Parallel states included. */
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

/** The definition text with each intrinsic of a Fn::Join flattened to a placeholder (it is JSON either way). */
const definitionOf = (props: Json): { States: Record<string, Json> } => {
  const text = props.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
  const flat =
    typeof text === 'string' ? text : text['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'intrinsic')).join('');
  return JSON.parse(flat) as { States: Record<string, Json> };
};

/** Every Lambda function each Task state of each state machine invokes, with `${...}` substitutions resolved. */
const lambdaTasks = (resources: Resources): TaskTarget[] =>
  Object.entries(resources)
    .filter(([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine')
    .flatMap(([machine, { Properties }]) => {
      const substitutions = (Properties.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
      const resolve = (value: unknown) => {
        const placeholder = typeof value === 'string' ? /^\$\{(\w+)\}$/.exec(value)?.[1] : undefined;
        return placeholder ? substitutions[placeholder] : value;
      };
      return taskStates(definitionOf(Properties).States).flatMap(([state, task]) => {
        const resource = String(task.Resource);
        if (resource.startsWith('arn:aws:states:::lambda:invoke')) {
          const parameters = (task.Parameters ?? {}) as Json;
          return [{ machine, state, target: resolve(parameters.FunctionName ?? parameters['FunctionName.$']) }];
        }
        if (resource.startsWith('arn:aws:states:::')) return []; // another service integration: no function
        return [{ machine, state, target: resolve(resource) }];
      });
    });

/** A literal function ARN with a version or alias after the name: arn:aws:lambda:region:account:function:name:qualifier. */
const QUALIFIED_ARN = /^arn:[^:]+:lambda:[^:]*:\d*:function:[^:]+:[^:]+$/;

/** The tasks that invoke a function without naming a published version: what must never be deployed. */
const unpinnedTasks = (resources: Resources): TaskTarget[] =>
  lambdaTasks(resources).filter(({ target }) => {
    if (typeof target === 'string') return !QUALIFIED_ARN.test(target);
    const ref = (target as { Ref?: string } | undefined)?.Ref;
    return !(ref && resources[ref]?.Type === 'AWS::Lambda::Version');
  });

/** The function (logical id) a version resource publishes. */
const functionOfVersion = (resources: Resources, versionId: string): string =>
  (resources[versionId].Properties.FunctionName as { Ref: string }).Ref;

let template: Template;
let resources: Resources;
let cleanup: () => void;

beforeAll(() => {
  ({ template, cleanup } = synthHubfix());
  resources = template.toJSON().Resources as Resources;
});
afterAll(() => cleanup());

describe('runs that outlive a deployment', () => {
  it('invoke only published function versions: no task of either state machine names an unqualified function', () => {
    // Act
    const tasks = lambdaTasks(resources);
    const unpinned = unpinnedTasks(resources);

    // Assess: both definitions, every task that calls a function (5 remediation + 4 hygiene)
    expect(new Set(tasks.map((t) => t.machine)).size).toBe(2);
    expect(tasks).toHaveLength(9);
    expect(unpinned).toEqual([]);
  });

  it('the check fails on a task that invokes the unqualified function ($LATEST), by substitution or by literal ARN', () => {
    // Prepare: the remediation definition as it was before versions, and a literal unqualified ARN in the hygiene one
    const broken = structuredClone(resources);
    const machines = Object.keys(broken).filter((id) => broken[id].Type === 'AWS::StepFunctions::StateMachine');
    const remediationId = machines.find((id) => id.startsWith('RemediateFinding')) as string;
    const hygieneId = machines.find((id) => id.startsWith('ControlHygiene')) as string;
    const remediation = broken[remediationId].Properties.DefinitionSubstitutions as Record<string, unknown>;
    remediation.AnnotateFunctionArn = {
      'Fn::GetAtt': [functionOfVersion(broken, (remediation.AnnotateFunctionArn as { Ref: string }).Ref), 'Arn'],
    };
    const hygiene = broken[hygieneId].Properties.DefinitionSubstitutions as Record<string, unknown>;
    hygiene.PrepareFunctionArn = 'arn:aws:lambda:us-east-1:123456789012:function:hubfix-prepare';

    // Act
    const unpinned = unpinnedTasks(broken);

    // Assess
    expect(unpinned.map(({ machine, state }) => [machine, state])).toEqual([
      [remediationId, 'Annotate'],
      [hygieneId, 'Prepare'],
    ]);
  });

  it('keeps every version a definition names when a later deployment publishes the next one (DeletionPolicy Retain)', () => {
    // Act
    const versions = lambdaTasks(resources).map(({ target }) => resources[(target as { Ref: string }).Ref]);

    // Assess
    for (const version of versions)
      expect(version).toMatchObject({ Type: 'AWS::Lambda::Version', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('lets each state machine role invoke every version of the functions its definition names, and no other function', () => {
    for (const machineId of Object.keys(resources).filter((id) => resources[id].Type === 'AWS::StepFunctions::StateMachine')) {
      // Prepare
      const roleId = (resources[machineId].Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const named = lambdaTasks(resources)
        .filter((t) => t.machine === machineId)
        .map(({ target }) => functionOfVersion(resources, (target as { Ref: string }).Ref));

      // Act
      const invoked = roleStatements(template, roleId)
        .filter((s) => actionsOf(s).includes('lambda:InvokeFunction'))
        .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));

      // Assess: `<arn>:*` covers the version this deployment names and those older runs still name
      const everyVersion = named.map((fn) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [fn, 'Arn'] }, ':*']] }));
      const unqualified = named.map((fn) => ({ 'Fn::GetAtt': [fn, 'Arn'] }));
      expect(invoked).toEqual(expect.arrayContaining(everyVersion));
      const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));
      expect([...invoked].sort(byJson)).toEqual([...everyVersion, ...unqualified].sort(byJson));
    }
  });

  it('publishes new versions when the functions change (a new configuration), and the same ones when nothing changed', () => {
    // Prepare
    const versionIds = (r: Resources) =>
      lambdaTasks(r)
        .map(({ target }) => (target as { Ref: string }).Ref)
        .sort();
    const same = synthHubfix(TEST_CONFIG);
    const changed = synthHubfix(parseConfig({ ...TEST_CONFIG, approval: { timeoutHours: 72, linkLifetimeHours: 24 } }));

    try {
      // Act
      const again = versionIds(same.template.toJSON().Resources as Resources);
      const next = versionIds(changed.template.toJSON().Resources as Resources);

      // Assess
      expect(again).toEqual(versionIds(resources));
      expect(next).toHaveLength(again.length);
      expect(next.filter((id) => again.includes(id))).toEqual([]);
    } finally {
      same.cleanup();
      changed.cleanup();
    }
  });
});
