import * as z from 'zod';
import { InvalidInputError } from '../platform/errors';
import type { ChangeRecord, Plan } from '../findings/types';
import { defineControl } from './define-control';
import { plugins } from './registry';
import { accountResource, findingRef } from '../../test/support/finding-ref';
import { simulatedAccount } from '../../test/support/simulated-account';
import { HOME_ACCOUNT } from '../../test/support/workflow';

const finding = findingRef('X.1', accountResource());

/** A control that records what its steps were handed. */
const recorder = (plan: unknown = { target: 'thing', count: 2 }) => {
  const seen: unknown[] = [];
  const control = defineControl({
    id: 'demo-control',
    title: 'Demo',
    ids: ['X.1'],
    cisRefs: ['1.4.0/9.9'],
    resourceTypes: ['AwsAccount'],
    defaultMode: 'approval',
    signals: [],
    automation: 'automated',
    assesses: 'a thing',
    changes: 'the thing',
    reversible: true,
    planSchema: z.object({ target: z.string(), count: z.number().int().min(1) }),
    changeSchema: z.object({ state: z.enum(['on', 'off']) }),
    permissions: { assess: ['demo:Get'], verify: ['demo:Get'], remediate: ['demo:Put'], rollback: ['demo:Put'] },
    assess: async () => ({
      risk: 'low',
      riskReason: 'r',
      evidence: [],
      plan: { summary: 's', steps: [], reversible: true, parameters: plan as { target: string; count: number } },
    }),
    remediate: async (_f, p) => {
      seen.push(p.parameters);
      return { summary: 'on', before: { state: 'off' }, after: { state: 'on' }, changedAt: 'now', reversible: true };
    },
    verify: async (_f, change) => {
      seen.push(change);
      return `it is ${change.after.state}`;
    },
    rollback: async (_f, change) => {
      seen.push(change);
      return { summary: 'off', before: change.after, after: change.before, changedAt: 'now', reversible: true };
    },
  });
  return { control, seen };
};

const planOf = (parameters: unknown): Plan => ({ summary: 's', steps: [], reversible: true, parameters });
const changeOf = (before: unknown, after: unknown): ChangeRecord => ({ summary: 's', before, after, changedAt: 'now', reversible: true });

describe('defineControl', () => {
  it('registers the description hubfix controls and the README show, and the permissions the roles are built from', () => {
    // Act
    const { control } = recorder();

    // Assess
    expect(control).toMatchObject({
      id: 'demo-control',
      securityControlIds: ['X.1'],
      cisIds: ['1.4.0/9.9'],
      resourceTypes: ['AwsAccount'],
      defaultMode: 'approval',
      signals: [],
      automation: 'automated',
      reversible: true,
      permissions: { remediate: ['demo:Put'] },
    });
  });

  it('hands remediate the plan parameters its planSchema parsed', async () => {
    // Prepare
    const { control, seen } = recorder();
    const { ctx } = simulatedAccount({ [HOME_ACCOUNT]: {} });

    // Act
    await control.remediate(finding, planOf({ target: 'thing', count: 2 }), ctx);

    // Assess
    expect(seen).toEqual([{ target: 'thing', count: 2 }]);
  });

  it.each([
    ['a missing field', { target: 'thing' }, /count/],
    ['a wrong type', { target: 7, count: 2 }, /target/],
    ['a refinement', { target: 'thing', count: 0 }, /count/],
    ['no parameters at all', undefined, /expected object/],
  ])('refuses a plan with %s: InvalidInputError naming the control, and the definition never runs', async (_case, parameters, issue) => {
    // Prepare
    const { control, seen } = recorder();
    const { ctx } = simulatedAccount({ [HOME_ACCOUNT]: {} });

    // Act
    const attempt = control.remediate(finding, planOf(parameters), ctx);

    // Assess
    await expect(attempt).rejects.toThrow(InvalidInputError);
    await expect(attempt).rejects.toThrow(/^The plan is not one demo-control makes \(.*\); nothing was changed$/);
    await expect(attempt).rejects.toThrow(issue);
    expect(seen).toEqual([]);
  });

  it('parses the change record for verify and rollback, and refuses one its changeSchema rejects', async () => {
    // Prepare
    const { control, seen } = recorder();
    const { ctx } = simulatedAccount({ [HOME_ACCOUNT]: {} });

    // Act
    const verified = await control.verify(finding, changeOf({ state: 'off' }, { state: 'on' }), ctx);
    const rolledBack = await control.rollback(finding, changeOf({ state: 'off' }, { state: 'on' }), ctx);
    const badSide = control.rollback(finding, changeOf({ state: 'off' }, { state: 'sideways' }), ctx);
    const noTime = { ...changeOf({ state: 'off' }, { state: 'on' }), changedAt: 3 } as unknown as ChangeRecord;
    const badEnvelope = control.verify(finding, noTime, ctx);

    // Assess
    expect(verified).toBe('it is on');
    expect(rolledBack).toMatchObject({ before: { state: 'on' }, after: { state: 'off' } });
    await expect(badSide).rejects.toThrow(/^The change record is not one demo-control writes \(after\.state: .*\); nothing was changed$/);
    await expect(badEnvelope).rejects.toThrow(InvalidInputError);
    expect(seen).toHaveLength(2);
  });

  it('fails Assess, before anyone approves, when the control plans parameters its own planSchema rejects', async () => {
    // Prepare
    const { control } = recorder({ target: 'thing', count: -1 });
    const { ctx } = simulatedAccount({ [HOME_ACCOUNT]: {} });

    // Act / Assess
    await expect(control.assess(finding, ctx)).rejects.toThrow('demo-control planned parameters its own planSchema rejects (count:');
  });
});

/**
 * Plans and change records outlive a deployment (an approval waits days; Undo reads a change from the audit trail): the
 * shapes hubfix wrote before plans carried `observed` (and before the schemas existed) must still parse. A control added
 * since has no earlier plans: its own schema is the first.
 */
const EARLIER_PLANS: Readonly<Record<string, unknown[]>> = {
  'iam-access-keys': [{ userName: 'ci', accessKeyIds: ['AKIAOLDKEY000000001'] }],
  'ebs-default-encryption': [{ region: 'us-east-1' }],
  'iam-password-policy': [
    {
      accountId: '111111111111',
      policy: {
        MinimumPasswordLength: 14,
        RequireUppercaseCharacters: true,
        RequireLowercaseCharacters: true,
        RequireSymbols: true,
        RequireNumbers: true,
        PasswordReusePrevention: 24,
        AllowUsersToChangePassword: false,
      },
    },
  ],
  'kms-key-rotation': [{ keyArn: 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab' }],
  'ec2-imdsv2': [{ instanceId: 'i-0123456789abcdef0' }],
  'vpc-flow-logs': [{ vpcId: 'vpc-0123456789abcdef0', destination: 'arn:aws:s3:::central-flow-logs', destinationType: 's3' }],
  's3-public-access': [
    { scope: 'bucket', bucket: 'data' },
    { scope: 'account', accountId: '111111111111' },
  ],
  's3-secure-transport': [{ bucket: 'data' }],
  'security-group-admin-ports': [{ groupId: 'sg-0123456789abcdef0', ruleIds: ['sgr-0123456789abcdef0'] }],
  'default-security-group': [{ groupId: 'sg-0123456789abcdef0', ruleIds: ['sgr-0123456789abcdef0', 'sgr-0123456789abcdef1'] }],
  'network-acl-admin-ports': [
    {
      networkAclId: 'acl-0123456789abcdef0',
      entries: [
        { RuleNumber: 100, Protocol: '6', RuleAction: 'allow', Egress: false, CidrBlock: '0.0.0.0/0', PortRange: { From: 22, To: 22 } },
      ],
    },
  ],
  'cloudwatch-cis-alarms': [
    {
      logGroupName: 'trail-logs',
      logGroupRegion: 'us-east-1',
      filter: { filterName: 'hubfix-cis-RootAccountUsage', filterPattern: '{ $.userIdentity.type = "Root" }' },
      metricName: 'RootAccountUsage',
      namespace: 'LogMetrics',
      alarmName: 'hubfix-CloudWatch.1-RootAccountUsage',
      topicArn: 'arn:aws:sns:us-east-1:111111111111:alarms',
    },
  ],
  cloudtrail: [
    {
      kind: 'update',
      trailArn: 'arn:aws:cloudtrail:us-east-1:111111111111:trail/main',
      homeRegion: 'us-east-1',
      multiRegion: true,
      includeGlobalServiceEvents: true,
      eventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }],
      isLogging: true,
    },
    { kind: 'create', trailName: 'hubfix-management-events', homeRegion: 'us-east-1', bucket: 'org-cloudtrail-logs' },
    { trailArn: 'arn:aws:cloudtrail:us-east-1:111111111111:trail/main', homeRegion: 'us-east-1', setting: { logFileValidation: true } },
    {
      trailArn: 'arn:aws:cloudtrail:us-east-1:111111111111:trail/main',
      homeRegion: 'us-east-1',
      setting: { kmsKeyId: 'arn:aws:kms:us-east-1:111111111111:key/k' },
    },
    { bucket: 'org-cloudtrail-logs', logging: { targetBucket: 'access-logs', targetPrefix: 'org-cloudtrail-logs/' } },
  ],
};

describe('plans recorded by earlier versions', () => {
  it('names registered controls only (every control that changed something before the schemas existed is in the table)', () => {
    // Assess
    expect(Object.keys(EARLIER_PLANS).filter((id) => !plugins.some((plugin) => plugin.id === id))).toEqual([]);
    expect(Object.keys(EARLIER_PLANS)).toHaveLength(13);
  });

  it.each(Object.entries(EARLIER_PLANS))('%s: each still parses, field for field', (id, earlier) => {
    // Prepare
    const schema = plugins.find((plugin) => plugin.id === id)?.planSchema;
    if (!schema) throw new Error(`no registered control ${id}`);

    for (const parameters of earlier) {
      // Act
      const parsed = schema.safeParse(parameters);

      // Assess
      expect({ parameters, parsed: parsed.success && parsed.data }).toEqual({ parameters, parsed: parameters });
    }
  });
});
