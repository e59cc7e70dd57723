import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sessionNameFor } from '../../functions/platform/clients';
import { iamAccessKeys } from '../../functions/controls/iam-access-keys/definition';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { runToEnd, startCloud, HOME_ACCOUNT } from '../support/workflow';
import { findingRef } from '../support/finding-ref';

/**
 * The sandbox's organization (sandbox/fixtures/organization.json): hubfix in 111111111111, member accounts reached
 * through the member roles. Every call the simulation serves records the account and region it acted in, and
 * AssumeRole records the role and session, so the tests see where each step really acted.
 */
const readJson = (file: string) =>
  JSON.parse(readFileSync(join(__dirname, '../../sandbox/fixtures', file), 'utf8')) as Record<string, unknown>;
const organization = readJson('organization.json');
const event = readJson('organization-event.json');
const eventFindings = (event.detail as { findings: Record<string, unknown>[] }).findings;

/** The custom-action event with only the findings of these accounts (and controls). */
const eventFor = (accounts: string[], controls = ['IAM.3', 'EC2.7']) => ({
  ...event,
  detail: {
    ...(event.detail as object),
    findings: eventFindings.filter(
      (f) =>
        accounts.includes(String(f.AwsAccountId)) &&
        controls.includes(String((f.Compliance as { SecurityControlId: string }).SecurityControlId)),
    ),
  },
});

const keyStatus = (cloud: LocalCloud, accountId: string, user: string): string => {
  const iam = cloud.sim.snapshot()[accountId].iam as Record<string, Record<string, string>>;
  return Object.values(iam[`user/${user}`])[0];
};
const ebsByDefault = (cloud: LocalCloud, accountId: string, region: string): unknown =>
  (cloud.sim.snapshot()[accountId].ec2Vpc as Record<string, unknown>)[`ebs-encryption-by-default/${region}`];
const assumed = (cloud: LocalCloud) => [...cloud.sim.roleSessions.values()];
const served = (cloud: LocalCloud, command: string) => cloud.sim.calls.filter((c) => c.command === command);

let cloud: LocalCloud;
afterEach(async () => cloud?.stop());

describe('cross-account, cross-region remediation through the member roles', () => {
  it(
    'fixes access keys in three accounts and two regions: the home account with its own role, the others through their member ' + 'roles',
    async () => {
      // Prepare: strict member roles: a hubfix-inspect session that tried to write would be refused
      cloud = await startCloud(organization);
      cloud.sim.strictMemberRoles = true;

      // Act
      const report = await runToEnd(cloud, eventFor(['111111111111', '222222222222', '333333333333'], ['IAM.3']));

      // Assess
      expect(report.findings.map((f) => [f.resourceId, f.outcome, f.workflowStatus])).toEqual([
        ['arn:aws:iam::111111111111:user/ci-legacy', 'resolved', 'RESOLVED'],
        ['arn:aws:iam::222222222222:user/batch-legacy', 'resolved', 'RESOLVED'],
        ['arn:aws:iam::333333333333:user/reporting-legacy', 'resolved', 'RESOLVED'],
      ]);
      expect(keyStatus(cloud, '111111111111', 'ci-legacy')).toBe('Inactive');
      expect(keyStatus(cloud, '222222222222', 'batch-legacy')).toBe('Inactive');
      expect(keyStatus(cloud, '333333333333', 'reporting-legacy')).toBe('Inactive');
      // Each write went to the finding's account, in the finding's region.
      expect(served(cloud, 'UpdateAccessKey').map((c) => [c.accountId, c.region])).toEqual(
        expect.arrayContaining([
          ['111111111111', 'us-east-1'],
          ['222222222222', 'us-east-1'],
          ['333333333333', 'eu-west-1'],
        ]),
      );
      // Member accounts: inspect for assess and verify, remediate for the change; never in the home account.
      const roles = assumed(cloud).map((s) => `${s.accountId}/${s.roleName}`);
      expect([...new Set(roles)].sort()).toEqual([
        '222222222222/hubfix-inspect',
        '222222222222/hubfix-remediate',
        '333333333333/hubfix-inspect',
        '333333333333/hubfix-remediate',
      ]);
      expect(served(cloud, 'AssumeRole').every((c) => c.accountId === HOME_ACCOUNT)).toBe(true);
    },
  );

  it('names every member-role session after the execution that acted', async () => {
    // Prepare
    cloud = await startCloud(organization);

    // Act
    const report = await runToEnd(cloud, eventFor(['222222222222'], ['IAM.3']));

    // Assess
    const execution = report.findings[0].execution?.name ?? 'missing';
    const sessions = assumed(cloud).filter((s) => s.accountId === '222222222222');
    expect(sessions.length).toBeGreaterThanOrEqual(2);
    for (const session of sessions) expect(session.sessionName).toBe(sessionNameFor(execution));
    expect(sessions[0].sessionName).toMatch(/^hubfix-IAM-3-remediate-[0-9a-f]+$/);
  });

  it('changes a regional setting in the finding’s region only (EC2.7 in eu-west-1 of 333333333333)', async () => {
    // Prepare
    cloud = await startCloud(organization);
    cloud.sim.strictMemberRoles = true;

    // Act
    const report = await runToEnd(cloud, eventFor(['333333333333'], ['EC2.7']));

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(ebsByDefault(cloud, '333333333333', 'eu-west-1')).toBe(true);
    expect(ebsByDefault(cloud, '333333333333', 'us-east-1')).toBe(false);
    expect(served(cloud, 'EnableEbsEncryptionByDefault').map((c) => [c.accountId, c.region])).toEqual([['333333333333', 'eu-west-1']]);
  });

  it(
    'makes a hubfix-inspect session read only: a write through it is refused as AWS would (so the runs above used ' + 'hubfix-remediate)',
    async () => {
      // Prepare: the workflow's clients as assess and verify get them (default access: inspect)
      cloud = await startCloud(organization);
      cloud.sim.strictMemberRoles = true;
      const finding = findingRef(
        'IAM.3',
        { type: 'AwsIamUser', id: 'arn:aws:iam::222222222222:user/batch-legacy' },
        { accountId: '222222222222' },
      );
      const ctx = { clients: cloud.runtime.clients, config: cloud.runtime.config, now: cloud.runtime.now };
      const assessment = await iamAccessKeys.assess(finding, ctx);

      // Act
      const failure = await iamAccessKeys.remediate(finding, assessment.plan!, ctx).catch((error: unknown) => error as Error);

      // Assess
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toMatch(
        new RegExp(
          'AccessDenied: User: arn:aws:sts::222222222222:assumed-role/hubfix-inspect/hubfix ' +
            'is not authorized to perform: iam:UpdateAccessKey',
        ),
      );
      expect(keyStatus(cloud, '222222222222', 'batch-legacy')).toBe('Active');
    },
  );
});

describe('accounts hubfix cannot get into', () => {
  it('annotates a finding from an account without the member stack with exactly that reason, and changes nothing', async () => {
    // Prepare
    cloud = await startCloud(organization);

    // Act
    const report = await runToEnd(cloud, eventFor(['444444444444']));

    // Assess
    const [finding] = report.findings;
    expect(finding).toMatchObject({ outcome: 'failed', workflowStatus: 'NOTIFIED' });
    expect(finding.execution?.states).toEqual(['Assess', 'Annotate', 'Outcome', 'RemediationFailed']);
    expect(finding.note).toBe(
      'hubfix: Assessment failed (MemberRoleUnavailableError): hubfix cannot act in account 444444444444: role hubfix-inspect could ' +
        'not be assumed ' +
        '(AccessDenied: User: arn:aws:sts::111111111111:assumed-role/hubfix-function/simulated is not authorized to perform: ' +
        'sts:AssumeRole on resource: ' +
        'arn:aws:iam::444444444444:role/hubfix-inspect). Deploy the hubfix member stack there. Nothing was changed.',
    );
    expect(keyStatus(cloud, '444444444444', 'sandbox-legacy')).toBe('Active');
    expect(cloud.sim.calls.filter((c) => c.accountId === '444444444444')).toEqual([]);
  });

  it('annotates a finding whose account has only the read-only role: assessed, then the fix fails naming hubfix-remediate', async () => {
    // Prepare
    cloud = await startCloud(organization);

    // Act
    const report = await runToEnd(cloud, eventFor(['555555555555']));

    // Assess
    const [finding] = report.findings;
    expect(finding).toMatchObject({ outcome: 'failed', workflowStatus: 'NOTIFIED' });
    expect(finding.execution?.states).toEqual(['Assess', 'Route', 'Remediate', 'Annotate', 'Outcome', 'RemediationFailed']);
    expect(finding.note).toMatch(
      new RegExp(
        '^hubfix: Remediation failed \\(MemberRoleUnavailableError\\): hubfix cannot act in account 555555555555: ' +
          'role hubfix-remediate could not be assumed \\(AccessDenied: .* ' +
          'on resource: arn:aws:iam::555555555555:role/hubfix-remediate\\)\\. ' +
          'Deploy the hubfix member stack there\\.',
      ),
    );
    expect(finding.note).toContain('Deploy the hubfix member stack there. Nothing was changed.');
    expect(keyStatus(cloud, '555555555555', 'etl-legacy')).toBe('Active');
    expect(served(cloud, 'UpdateAccessKey')).toEqual([]);
  });

  it('fixes the reachable accounts of one event and reports the unreachable ones (the whole sandbox organization)', async () => {
    // Prepare
    cloud = await startCloud(organization);

    // Act
    const report = await runToEnd(cloud, event);

    // Assess
    const outcomes = Object.fromEntries(report.findings.map((f) => [`${f.controlId} ${f.resourceId}`, f.outcome]));
    expect(outcomes).toEqual({
      'IAM.3 arn:aws:iam::111111111111:user/ci-legacy': 'resolved',
      'IAM.3 arn:aws:iam::222222222222:user/batch-legacy': 'resolved',
      'IAM.3 arn:aws:iam::333333333333:user/reporting-legacy': 'resolved',
      'EC2.7 AWS::::Account:333333333333': 'resolved',
      'IAM.3 arn:aws:iam::444444444444:user/sandbox-legacy': 'failed',
      'IAM.3 arn:aws:iam::555555555555:user/etl-legacy': 'failed',
    });
  });
});
