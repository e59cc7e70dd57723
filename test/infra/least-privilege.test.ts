import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Stack, type CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { parseConfig } from '../../functions/platform/config';
import { plugins } from '../../functions/controls/registry';
import { buildMemberApp } from '../../infra/member-app';
import { memberRoleGrants } from '../../infra/member-stack';
import {
  actionOf,
  actionsOfGrants,
  CONTROL_STEPS,
  controlPermissions,
  DESTRUCTIVE_ACTIONS,
  grantedActions,
  hygienePermissions,
  INSPECT_STEPS,
  PLATFORM_PERMISSIONS,
  REMEDIATE_STEPS,
  type ControlStep,
  type GrantScope,
  type PlatformRole,
} from '../../infra/permissions';
import { commandsInFolder, commandsOfFunction, commandsOfStep, iamActionOf, type SdkCommand } from './control-calls';
import { actionsOf, roleStatements, synthHubfix, TEST_CONFIG, type PolicyStatementJson } from './synth';

const ADMIN = '111111111111';
const ORG = 'o-a1b2c3d4e5';
const DELIVERY_ROLE = `arn:aws:iam::${ADMIN}:role/flow-logs-delivery`;
/** Multi-account, with the flow-log delivery role: every grant the declarations can make is in the roles. */
const FULL_CONFIG = parseConfig({
  ...TEST_CONFIG,
  organization: { id: ORG, administratorAccountId: ADMIN },
  flowLogs: {
    centralDestinations: [`arn:aws:logs:us-east-1:${ADMIN}:log-group:central-flow-logs`],
    deliverLogsPermissionArn: DELIVERY_ROLE,
  },
  usage: { dataEventSource: { type: 'trail-s3', bucket: 'org-trail-logs', keyPrefix: 'org', accountId: ADMIN, region: 'us-east-1' } },
});
const SCOPE: GrantScope = {
  partition: 'aws',
  account: ADMIN,
  flowLogsDeliveryRoleArn: DELIVERY_ROLE,
  dataEventLogs: { bucket: 'org-trail-logs', keyPrefix: 'org' },
};

const actionsReached = (commands: SdkCommand[]): Map<string, string[]> => {
  const byAction = new Map<string, string[]>();
  for (const command of commands) byAction.set(iamActionOf(command), [...(byAction.get(iamActionOf(command)) ?? []), command.at]);
  return byAction;
};
const declared = (pluginId: string, steps: readonly ControlStep[]): Set<string> =>
  new Set(steps.flatMap((step) => controlPermissions[pluginId][step].map(actionOf)));

describe('control declarations against the plugin sources', () => {
  it('declares every registered plugin, and only those', () => {
    expect(Object.keys(controlPermissions).sort()).toEqual(plugins.map((p) => p.id).sort());
  });

  it('maps SDK commands to IAM actions, with the exceptions IAM names differently', () => {
    // Act
    const actionOfCommand = (pkg: string, command: string) => iamActionOf({ pkg: `@aws-sdk/client-${pkg}`, command });

    // Assess
    expect(actionOfCommand('s3', 'ListObjectsV2Command')).toBe('s3:ListBucket');
    expect(actionOfCommand('s3', 'ListBucketsCommand')).toBe('s3:ListAllMyBuckets');
    expect(actionOfCommand('s3', 'GetPublicAccessBlockCommand')).toBe('s3:GetBucketPublicAccessBlock');
    expect(actionOfCommand('s3-control', 'GetPublicAccessBlockCommand')).toBe('s3:GetAccountPublicAccessBlock');
    expect(actionOfCommand('s3-control', 'DeletePublicAccessBlockCommand')).toBe('s3:PutAccountPublicAccessBlock');
    expect(actionOfCommand('cloudwatch-logs', 'DeleteMetricFilterCommand')).toBe('logs:DeleteMetricFilter');
    expect(actionOfCommand('cloudtrail', 'ListTrailsCommand')).toBe('cloudtrail:ListTrails');
    expect(() => actionOfCommand('dax', 'ListTablesCommand')).toThrow(/No IAM service prefix/);
  });

  it(
    'declares every action a step can send: assess and verify each their own, remediate and rollback together (the write role runs ' +
      'both)',
    () => {
      // Prepare
      const missing: string[] = [];

      // Act
      for (const { id } of plugins) {
        for (const step of CONTROL_STEPS) {
          const covering = declared(id, step === 'assess' || step === 'verify' ? [step] : REMEDIATE_STEPS);
          for (const [action, sites] of actionsReached(commandsOfStep(id, step))) {
            if (!covering.has(action)) missing.push(`${id} ${step}: ${action} (sent at ${sites.join(', ')})`);
          }
        }
      }

      // Assess
      expect(missing).toEqual([]);
    },
  );

  it('declares no action its step cannot send, unless IAM requires it for a call the step sends', () => {
    // Prepare
    const unused: string[] = [];

    // Act
    for (const { id } of plugins) {
      for (const step of CONTROL_STEPS) {
        const sent = actionsReached(commandsOfStep(id, step));
        for (const grant of controlPermissions[id][step]) {
          const needed = typeof grant === 'string' || !grant.requiredFor ? sent.has(actionOf(grant)) : sent.has(grant.requiredFor);
          if (!needed)
            unused.push(
              `${id} ${step}: ${actionOf(grant)}${typeof grant !== 'string' && grant.requiredFor ? ` (for ${grant.requiredFor})` : ''}`,
            );
        }
      }
    }

    // Assess
    expect(unused).toEqual([]);
  });

  it('reaches every SDK command in functions/controls from some step of some plugin (the call graph misses none)', () => {
    // Prepare
    const reached = new Set(plugins.flatMap(({ id }) => CONTROL_STEPS.flatMap((step) => commandsOfStep(id, step).map((c) => c.at))));

    // Act
    const unreached = commandsInFolder('functions/controls').filter((c) => !reached.has(c.at));

    // Assess
    expect(unreached).toEqual([]);
  });

  it('keeps assess and verify read-only, and destructive actions under rollback only, scoped unless IAM cannot scope them', () => {
    // Prepare
    const grantsOfStep = (step: ControlStep) =>
      Object.entries(controlPermissions).flatMap(([id, p]) => p[step].map((grant) => ({ id, grant })));

    // Act
    const inspectWrites = INSPECT_STEPS.flatMap(grantsOfStep).filter(
      ({ grant }) =>
        !/^([a-z0-9-]+:(Get|List|Lookup|Describe|BatchGet)[A-Za-z]*|iam:GenerateServiceLastAccessedDetails)$/.test(actionOf(grant)),
    );
    const destructiveRemediation = grantsOfStep('remediate').filter(({ grant }) => actionOf(grant) in DESTRUCTIVE_ACTIONS);
    const unscoped = grantsOfStep('rollback').filter(
      ({ grant }) =>
        actionOf(grant) in DESTRUCTIVE_ACTIONS &&
        DESTRUCTIVE_ACTIONS[actionOf(grant)] === undefined &&
        (typeof grant === 'string' || grant.resources(SCOPE).includes('*')),
    );
    const scopedAndNot = Object.values(controlPermissions)
      .flatMap((p) => CONTROL_STEPS.flatMap((step) => p[step]))
      .filter((grant, _, all) => typeof grant === 'string' && all.some((other) => typeof other !== 'string' && other.action === grant));

    // Assess
    expect(inspectWrites).toEqual([]);
    expect(destructiveRemediation).toEqual([]);
    expect(unscoped).toEqual([]);
    expect(scopedAndNot).toEqual([]);
  });

  it('declares exactly what the control-hygiene apply step sends (functions/hygiene/batch.ts applyGroup)', () => {
    // Act
    const sent = [...actionsReached(commandsOfFunction('functions/hygiene/batch.ts', 'applyGroup')).keys()].sort();

    // Assess
    expect(actionsOfGrants(hygienePermissions)).toEqual(sent);
  });
});

describe('every action of every role, and who needs it', () => {
  let admin: ReturnType<typeof synthHubfix>;
  let tmp: string;
  beforeAll(() => {
    admin = synthHubfix(FULL_CONFIG);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-least-privilege-'));
  });
  afterAll(() => {
    admin.cleanup();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Who needs each action of a role: the control steps that declare it, or the platform need the role documents. */
  const usersOf =
    (platform: PlatformRole | undefined, steps: readonly ControlStep[], grants: string[]) =>
    (action: string): string[] => [
      ...(grants.includes(action)
        ? Object.entries(controlPermissions).flatMap(([id, p]) =>
            steps.filter((step) => p[step].some((g) => actionOf(g) === action)).map((step) => `${id}/${step}`),
          )
        : []),
      ...(grants.includes(action) && steps.length === 0 ? ['control-hygiene/apply'] : []),
      ...(platform && action in PLATFORM_PERMISSIONS[platform]
        ? [`platform: ${(PLATFORM_PERMISSIONS[platform] as Record<string, string>)[action]}`]
        : []),
    ];

  it(
    'lists each action of each administrator role with the control steps or platform need behind it: none unused, no documented ' +
      'need stale',
    () => {
      // Prepare
      const { stack, template } = admin;
      const id = (construct: IConstruct | undefined) => Stack.of(stack).getLogicalId(construct?.node.defaultChild as CfnResource);
      const hygiene = stack.controlHygiene;
      const roles: [PlatformRole, string, readonly ControlStep[], string[]][] = [
        ['intake', id(stack.functions.intake.role), [], []],
        ['inspect', id(stack.functions.assess.role), INSPECT_STEPS, grantedActions(memberRoleGrants('inspect'), SCOPE)],
        ['remediate', id(stack.functions.remediate.role), REMEDIATE_STEPS, grantedActions(memberRoleGrants('remediate'), SCOPE)],
        ['requestApproval', id(stack.functions.requestApproval.role), [], []],
        ['approvalApi', id(stack.functions.approvalApi.role), [], []],
        ['annotate', id(stack.functions.annotate.role), [], []],
        ['remediationStateMachine', id(stack.stateMachine.role), [], []],
        ['hygienePrepare', id(hygiene.functions.prepare.role), [], []],
        ['hygieneRequestBatchApproval', id(hygiene.functions.requestBatchApproval.role), [], []],
        ['hygieneApply', id(hygiene.functions.applyControls.role), [], actionsOfGrants(hygienePermissions)],
        ['hygieneRecord', id(hygiene.functions.recordChanges.role), [], []],
        ['hygieneStateMachine', id(hygiene.stateMachine.role), [], []],
        // CDK's singleton custom-resource function (its construct id is CDK's fixed AwsCustomResource id).
        ['userPoolClientSecret', id(stack.node.findChild('AWS679f53fac002430cb0da5b7982bd2287').node.findChild('ServiceRole')), [], []],
      ];
      const listing: string[] = [];
      const unused: string[] = [];
      const stale: string[] = [];

      // Act
      for (const [platform, roleId, steps, grants] of roles) {
        const actions = [...new Set(roleStatements(template, roleId).flatMap(actionsOf))].sort();
        const users = usersOf(platform, steps, grants);
        for (const action of actions) {
          listing.push(`${platform} ${action} ← ${users(action).join('; ') || 'NOBODY'}`);
          if (users(action).length === 0) unused.push(`${platform}: ${action}`);
        }
        for (const action of [...grants, ...Object.keys(PLATFORM_PERMISSIONS[platform])])
          if (!actions.includes(action)) stale.push(`${platform}: ${action}`);
      }
      const unknownRoles = Object.keys(template.findResources('AWS::IAM::Role')).filter(
        (roleId) => !roles.some(([, known]) => known === roleId),
      );

      // Assess
      expect(unknownRoles).toEqual([]);
      expect({ unused, listing }).toEqual({ unused: [], listing });
      expect(stale).toEqual([]);
      expect(listing).toEqual(
        expect.arrayContaining([
          'remediate iam:PassRole ← vpc-flow-logs/remediate',
          'inspect s3:GetObject ← iam-access-keys/assess; s3-secure-transport/assess',
        ]),
      );
    },
  );

  it('gives each member role exactly its declared actions, each with a control step (or the hygiene step) behind it', () => {
    // Prepare
    const { stack } = buildMemberApp({ outdir: path.join(tmp, 'member'), config: FULL_CONFIG });
    const template = Template.fromStack(stack);

    for (const [access, steps] of [
      ['inspect', INSPECT_STEPS],
      ['remediate', REMEDIATE_STEPS],
      ['hygiene', []],
    ] as const) {
      // Act
      const role = template.toJSON().Resources[stack.getLogicalId(stack.roles[access].node.defaultChild as CfnResource)];
      const actions = [
        ...new Set(
          (role.Properties.Policies as { PolicyDocument: { Statement: PolicyStatementJson[] } }[]).flatMap((p) =>
            p.PolicyDocument.Statement.flatMap(actionsOf),
          ),
        ),
      ].sort();
      const grants = grantedActions(memberRoleGrants(access), SCOPE);

      // Assess
      expect(actions).toEqual(grants);
      expect(actions.filter((action) => usersOf(undefined, steps, grants)(action).length === 0)).toEqual([]);
    }
  });
});

describe('scoped grants in the synthesized roles', () => {
  let admin: ReturnType<typeof synthHubfix>;
  let single: ReturnType<typeof synthHubfix>;
  let tmp: string;
  beforeAll(() => {
    admin = synthHubfix(FULL_CONFIG);
    single = synthHubfix(TEST_CONFIG);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-scopes-'));
  });
  afterAll(() => {
    admin.cleanup();
    single.cleanup();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const roleId = (synth: typeof admin, role: 'assess' | 'remediate') =>
    synth.stack.getLogicalId(synth.stack.functions[role].role?.node.defaultChild as CfnResource);
  /** Every statement (admin role policies, or member role inline policies) that grants the action. */
  const grantsOf = (statements: PolicyStatementJson[], action: string) =>
    statements.filter((s) => s.Effect === 'Allow' && actionsOf(s).includes(action));
  const memberStatements = (access: 'inspect' | 'remediate') => {
    const { stack } = buildMemberApp({ outdir: path.join(tmp, `member-${access}`), config: FULL_CONFIG });
    const role = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(stack.roles[access].node.defaultChild as CfnResource)];
    return (role.Properties.Policies as { PolicyDocument: { Statement: PolicyStatementJson[] } }[]).flatMap(
      (p) => p.PolicyDocument.Statement,
    );
  };
  const partition = { Ref: 'AWS::Partition' };
  const account = { Ref: 'AWS::AccountId' };

  it(
    'reads objects and lists buckets only under the CloudTrail log prefixes of the role’s own account and of the data-event source, ' +
      'never on *',
    () => {
      const ownLogs = { 'Fn::Join': ['', ['arn:', partition, ':s3:::*/AWSLogs/', account, '/CloudTrail/*']] };
      const sourceLogs = { 'Fn::Join': ['', ['arn:', partition, ':s3:::org-trail-logs/org/AWSLogs/*']] };
      for (const statements of [roleStatements(admin.template, roleId(admin, 'assess')), memberStatements('inspect')]) {
        // Act
        const lists = grantsOf(statements, 's3:ListBucket');

        // Assess
        // One statement with both resources or one per resource, as CDK merges them.
        const reads = grantsOf(statements, 's3:GetObject').flatMap((g) => [g.Resource].flat());
        expect(reads).toHaveLength(2);
        expect(reads).toEqual(expect.arrayContaining([ownLogs, sourceLogs]));
        expect(lists).toHaveLength(2);
        expect(lists).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              Resource: { 'Fn::Join': ['', ['arn:', partition, ':s3:::*']] },
              Condition: {
                StringLike: {
                  's3:prefix': [
                    { 'Fn::Join': ['', ['AWSLogs/', account, '/CloudTrail/*']] },
                    { 'Fn::Join': ['', ['*/AWSLogs/', account, '/CloudTrail/*']] },
                  ],
                },
              },
            }),
            expect.objectContaining({
              Resource: { 'Fn::Join': ['', ['arn:', partition, ':s3:::org-trail-logs']] },
              Condition: { StringLike: { 's3:prefix': ['org/AWSLogs/*'] } },
            }),
          ]),
        );
      }
    },
  );

  it('passes only the configured delivery role, only to VPC Flow Logs, and no role at all without the configuration', () => {
    // Prepare
    const expected = [
      expect.objectContaining({
        Resource: DELIVERY_ROLE,
        Condition: { StringEquals: { 'iam:PassedToService': 'vpc-flow-logs.amazonaws.com' } },
      }),
    ];

    // Act / Assess
    expect(grantsOf(roleStatements(admin.template, roleId(admin, 'remediate')), 'iam:PassRole')).toEqual(expected);
    expect(grantsOf(memberStatements('remediate'), 'iam:PassRole')).toEqual(expected);
    const everyAllowed = Object.values(single.template.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as PolicyStatementJson[]).flatMap(actionsOf),
    );
    expect(everyAllowed).not.toContain('iam:PassRole');
  });

  it('deletes only the trail hubfix creates and only alarms hubfix names, and stops trails of its own account only', () => {
    // Prepare
    const statements = roleStatements(admin.template, roleId(admin, 'remediate'));
    const own = (resource: string) => ({
      'Fn::Join': ['', ['arn:', partition, `:${resource.split(':')[0]}:*:`, account, `:${resource.split(':').slice(1).join(':')}`]],
    });

    // Assess
    expect(grantsOf(statements, 'cloudtrail:DeleteTrail').map((s) => s.Resource)).toEqual([
      own('cloudtrail:trail/hubfix-management-events'),
    ]);
    expect(grantsOf(statements, 'cloudtrail:StopLogging').map((s) => s.Resource)).toEqual([own('cloudtrail:trail/*')]);
    expect(grantsOf(statements, 'cloudwatch:DeleteAlarms').map((s) => s.Resource)).toEqual([own('cloudwatch:alarm:hubfix-*')]);
    expect(grantsOf(statements, 'cloudwatch:PutMetricAlarm').map((s) => s.Resource)).toEqual([own('cloudwatch:alarm:hubfix-*')]);
  });

  it('grants no destructive action on * except those IAM cannot scope (account settings, rules of the group a finding names)', () => {
    for (const statements of [roleStatements(admin.template, roleId(admin, 'remediate')), memberStatements('remediate')]) {
      // Act
      const onEverything = statements
        .filter((s) => s.Resource === '*')
        .flatMap(actionsOf)
        .filter((action) => action in DESTRUCTIVE_ACTIONS);

      // Assess
      expect(onEverything.sort()).toEqual(
        Object.entries(DESTRUCTIVE_ACTIONS)
          .filter(([, unscopable]) => unscopable !== undefined)
          .map(([action]) => action)
          .sort(),
      );
    }
  });
});
