import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { HOME_ACCOUNT_ENV } from '../../functions/platform/clients';
import { parseConfig } from '../../functions/platform/config';
import { ConfigurationError } from '../../functions/platform/errors';
import { buildApp } from '../../infra/build-app';
import { buildMemberApp } from '../../infra/member-app';
import { ADMINISTRATOR_ROLE_NAMES, memberRoleGrants, memberStackSettings } from '../../infra/member-stack';
import { grantedActions } from '../../infra/permissions';
import { buildStackSetExample, STACK_SET_NAME, TEMPLATE_BODY_LIMIT } from '../../infra/stackset-example';
import { actionsOf, roleStatements, synthHubfix, TEST_CONFIG, type PolicyStatementJson } from './synth';

const ADMIN = '111111111111';
const ORG = 'o-a1b2c3d4e5';
const ORG_CONFIG = parseConfig({ ...TEST_CONFIG, organization: { id: ORG, administratorAccountId: ADMIN } });

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-member-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

type RoleJson = {
  Properties: {
    RoleName: string;
    AssumeRolePolicyDocument: { Statement: (PolicyStatementJson & { Principal: unknown; Condition: unknown })[] };
    Policies?: { PolicyDocument: { Statement: PolicyStatementJson[] } }[];
    ManagedPolicyArns?: unknown;
  };
};
const rolesByName = (template: Template): Record<string, RoleJson> =>
  Object.fromEntries(
    Object.values(template.findResources('AWS::IAM::Role') as Record<string, RoleJson>).map((role) => [role.Properties.RoleName, role]),
  );
const adminRoleArn = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ADMIN}:role/${name}`]] });

describe('member stack', () => {
  let template: Template;
  let roles: Record<string, RoleJson>;
  beforeAll(() => {
    // Template.fromStack synthesizes the member app, cdk-nag included: an unacknowledged finding throws here.
    const { stack } = buildMemberApp({ outdir: path.join(tmp, 'member'), config: ORG_CONFIG });
    template = Template.fromStack(stack);
    roles = rolesByName(template);
  });

  it('creates exactly hubfix-inspect, hubfix-remediate and hubfix-hygiene, with inline policies only', () => {
    // Assess
    expect(Object.keys(roles).sort()).toEqual(['hubfix-hygiene', 'hubfix-inspect', 'hubfix-remediate']);
    for (const role of Object.values(roles)) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  it(
    'lets each member role do exactly what its declarations grant: reads for hubfix-inspect, writes for hubfix-remediate, ' +
      'associations for hubfix-hygiene',
    () => {
      // Prepare
      const statementsOf = (name: string) => roles[name].Properties.Policies?.flatMap((p) => p.PolicyDocument.Statement) ?? [];
      const scope = { partition: 'aws', account: '222222222222' };

      // Assess
      for (const [name, access] of [
        ['hubfix-inspect', 'inspect'],
        ['hubfix-remediate', 'remediate'],
        ['hubfix-hygiene', 'hygiene'],
      ] as const) {
        const statements = statementsOf(name);
        expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
        expect([...new Set(statements.flatMap(actionsOf))].sort()).toEqual(grantedActions(memberRoleGrants(access), scope));
      }
      expect(statementsOf('hubfix-inspect').flatMap(actionsOf)).not.toContain('iam:UpdateAccessKey');
      expect(statementsOf('hubfix-hygiene').flatMap(actionsOf).sort()).toEqual([
        'securityhub:BatchGetStandardsControlAssociations',
        'securityhub:BatchUpdateStandardsControlAssociations',
      ]);
      expect(
        statementsOf('hubfix-remediate')
          .flatMap(actionsOf)
          .filter((a) => a.startsWith('securityhub:')),
      ).toEqual([]);
    },
  );

  it('trusts only the matching administrator function role, by ARN, from inside the organization', () => {
    for (const [name, adminRole] of [
      ['hubfix-inspect', ADMINISTRATOR_ROLE_NAMES.inspect],
      ['hubfix-remediate', ADMINISTRATOR_ROLE_NAMES.remediate],
      ['hubfix-hygiene', ADMINISTRATOR_ROLE_NAMES.hygiene],
    ] as const) {
      // Act
      const trust = roles[name].Properties.AssumeRolePolicyDocument.Statement;

      // Assess
      expect(trust).toEqual([
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ADMIN}:root`]] } },
          Condition: { ArnEquals: { 'aws:PrincipalArn': adminRoleArn(adminRole) }, StringEquals: { 'aws:PrincipalOrgID': ORG } },
        },
      ]);
    }
  });

  it('deploys to accounts nobody bootstrapped: no bootstrap version check, no assets, no metadata resource', () => {
    // Prepare
    const json = template.toJSON() as {
      Parameters?: Record<string, unknown>;
      Rules?: Record<string, unknown>;
      Resources: Record<string, { Type: string }>;
    };

    // Assess
    expect(json.Parameters ?? {}).toEqual({});
    expect(json.Rules ?? {}).toEqual({});
    expect(
      Object.values(json.Resources)
        .map((r) => r.Type)
        .sort(),
    ).toEqual(['AWS::IAM::Role', 'AWS::IAM::Role', 'AWS::IAM::Role']);
  });

  it('fails synth on a cdk-nag finding nobody acknowledged (the checks run on the member app)', () => {
    // Prepare
    const { app, stack } = buildMemberApp({ outdir: path.join(tmp, 'member-nag'), config: ORG_CONFIG });
    stack.roles.inspect.addToPolicy(new iam.PolicyStatement({ actions: ['iam:*'], resources: ['*'] }));

    // Act / Assess
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Action::iam:\*\]/);
  });

  it('refuses to build without the administrator account and the organization id, naming what is missing', () => {
    // Act / Assess
    expect(() => memberStackSettings(TEST_CONFIG)).toThrow(ConfigurationError);
    expect(() => memberStackSettings(TEST_CONFIG)).toThrow(/organization\.administratorAccountId and organization\.id/);
    expect(() => memberStackSettings(parseConfig({ organization: { administratorAccountId: ADMIN } }))).toThrow(
      /needs organization\.id in/,
    );
  });
});

describe('administrator stack: acting through the member roles', () => {
  let admin: ReturnType<typeof synthHubfix>;
  beforeAll(() => {
    admin = synthHubfix(ORG_CONFIG);
  });
  afterAll(() => admin.cleanup());

  const logicalIdOfRole = (name: string): string =>
    Object.entries(admin.template.findResources('AWS::IAM::Role')).find(([, role]) => role.Properties.RoleName === name)?.[0] ?? 'missing';

  it('gives the assess/verify and remediate roles the fixed names the member roles trust', () => {
    // Prepare
    const roleOf = (fn: 'assess' | 'verify' | 'remediate') =>
      Stack.of(admin.stack).getLogicalId(admin.stack.functions[fn].role?.node.defaultChild as iam.CfnRole);

    // Assess
    expect(roleOf('assess')).toBe(logicalIdOfRole(ADMINISTRATOR_ROLE_NAMES.inspect));
    expect(roleOf('verify')).toBe(logicalIdOfRole(ADMINISTRATOR_ROLE_NAMES.inspect));
    expect(roleOf('remediate')).toBe(logicalIdOfRole(ADMINISTRATOR_ROLE_NAMES.remediate));
  });

  it('lets each assume only the member role of its own privilege, in accounts of the organization', () => {
    for (const [adminRole, memberRole] of [
      [ADMINISTRATOR_ROLE_NAMES.inspect, 'hubfix-inspect'],
      [ADMINISTRATOR_ROLE_NAMES.remediate, 'hubfix-remediate'],
    ] as const) {
      // Act
      const assumes = roleStatements(admin.template, logicalIdOfRole(adminRole)).filter((s) => actionsOf(s).includes('sts:AssumeRole'));

      // Assess
      expect(assumes).toEqual([
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::*:role/${memberRole}`]] },
          Condition: { StringEquals: { 'aws:ResourceOrgID': ORG } },
        },
      ]);
    }
  });

  it('fails the synth with a ConfigurationError when hubfix spans accounts without organization.id', () => {
    // Prepare
    const admin = parseConfig({ ...TEST_CONFIG, organization: { administratorAccountId: ADMIN } });
    const include = parseConfig({ ...TEST_CONFIG, accounts: { include: ['222222222222', '333333333333'] } });

    const build = (config: typeof admin) => () => buildApp({ outdir: path.join(tmp, 'no-org'), config, bundle: false });

    // Act / Assess
    for (const config of [admin, include]) {
      expect(build(config)).toThrow(ConfigurationError);
      expect(build(config)).toThrow(/lacks organization\.id: set it to your AWS Organizations id/);
    }
    expect(build(include)).toThrow(/accounts\.include names 222222222222, 333333333333/);
  });

  it('gives no role sts:AssumeRole at all in a single-account configuration', () => {
    // Prepare
    const single = synthHubfix(TEST_CONFIG);

    try {
      // Act
      const assumes = Object.values(single.template.findResources('AWS::IAM::Policy')).flatMap((p) =>
        (p.Properties.PolicyDocument.Statement as PolicyStatementJson[]).filter((s) => actionsOf(s).includes('sts:AssumeRole')),
      );

      // Assess
      expect(assumes).toEqual([]);
    } finally {
      single.cleanup();
    }
  });

  it('tells the steps that act in accounts which account is their own', () => {
    // Prepare
    const envOf = (fn: 'assess' | 'verify' | 'remediate' | 'annotate') =>
      (
        admin.template.toJSON().Resources[
          Stack.of(admin.stack).getLogicalId(admin.stack.functions[fn].node.defaultChild as iam.CfnRole)
        ] as {
          Properties: { Environment: { Variables: Record<string, unknown> } };
        }
      ).Properties.Environment.Variables;

    // Assess
    for (const fn of ['assess', 'verify', 'remediate'] as const) expect(envOf(fn)[HOME_ACCOUNT_ENV]).toEqual({ Ref: 'AWS::AccountId' });
    expect(envOf('annotate')[HOME_ACCOUNT_ENV]).toBeUndefined();
  });
});

describe('StackSet example', () => {
  it('synthesizes a service-managed, auto-deploying StackSet of the member template to the given OUs, in one region', () => {
    // Prepare
    const { stack } = buildStackSetExample({
      outdir: path.join(tmp, 'stackset'),
      config: ORG_CONFIG,
      organizationalUnitIds: ['ou-ab12-11111111', 'ou-ab12-22222222'],
      stackSetRegion: 'eu-west-1',
      callAs: 'DELEGATED_ADMIN',
    });

    // Act
    const template = Template.fromStack(stack);
    const [stackSet] = Object.values(template.findResources('AWS::CloudFormation::StackSet')) as {
      Properties: Record<string, unknown> & { TemplateBody: string };
    }[];

    // Assess
    expect(stackSet.Properties).toMatchObject({
      StackSetName: STACK_SET_NAME,
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      CallAs: 'DELEGATED_ADMIN',
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      StackInstancesGroup: [
        { DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-11111111', 'ou-ab12-22222222'] }, Regions: ['eu-west-1'] },
      ],
    });
    expect(Buffer.byteLength(stackSet.Properties.TemplateBody)).toBeLessThan(TEMPLATE_BODY_LIMIT);
    const member = Template.fromJSON(JSON.parse(stackSet.Properties.TemplateBody) as Record<string, unknown>);
    expect(Object.keys(rolesByName(member)).sort()).toEqual(['hubfix-hygiene', 'hubfix-inspect', 'hubfix-remediate']);
  });

  it('refuses targets that are not the organization root or OUs, and an unknown callAs', () => {
    // Act / Assess
    expect(() =>
      buildStackSetExample({ outdir: path.join(tmp, 'bad-ou'), config: ORG_CONFIG, organizationalUnitIds: ['123456789012'] }),
    ).toThrow(/organizationalUnitIds must name/);
    expect(() => buildStackSetExample({ outdir: path.join(tmp, 'no-ou'), config: ORG_CONFIG })).toThrow(/got none/);
    expect(() =>
      buildStackSetExample({
        outdir: path.join(tmp, 'bad-call'),
        config: ORG_CONFIG,
        organizationalUnitIds: ['r-ab12'],
        callAs: 'ANYONE' as 'SELF',
      }),
    ).toThrow(/callAs must be/);
  });
});
