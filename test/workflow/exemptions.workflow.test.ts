import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { asffFinding, customActionEvent, HOME_ACCOUNT, keyStatus, runToEnd, startCloud } from '../support/workflow';

const demoAccount = JSON.parse(readFileSync(join(__dirname, '../../sandbox/fixtures/demo-account.json'), 'utf8')) as {
  accounts: Record<string, { iam: { users: { userName: string; tags: Record<string, string> }[] } }>;
};
const withUserTag = (user: string, value: string) => {
  const fixture = structuredClone(demoAccount);
  const found = fixture.accounts[HOME_ACCOUNT].iam.users.find((u) => u.userName === user);
  if (found) found.tags['hubfix:exempt'] = value;
  return fixture;
};
const keyFinding = (user: string) =>
  asffFinding({ controlId: 'IAM.3', resourceType: 'AwsIamUser', resourceId: `arn:aws:iam::${HOME_ACCOUNT}:user/${user}` });

let cloud: LocalCloud;
afterEach(async () => cloud?.stop());

describe('exemptions', () => {
  it('leaves an exempt resource untouched and says who exempted it, why and until when', async () => {
    // Prepare
    cloud = await startCloud(withUserTag('ci-legacy', 'until=2099-12-31; reason=vendor appliance uses it; by=alice@example.com'));

    // Act
    const report = await runToEnd(cloud, customActionEvent([keyFinding('ci-legacy')]));

    // Assess
    expect(report.findings[0].outcome).toBe('skipped');
    expect(report.findings[0].note).toContain(
      'is exempt until 2099-12-31 by alice@example.com: "vendor appliance uses it" (tag hubfix:exempt)',
    );
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Active');
  });

  it('ignores an expired exemption, fixes the finding and says the exemption was ignored', async () => {
    // Prepare
    cloud = await startCloud(withUserTag('ci-legacy', 'until=2020-01-31; reason=old migration; by=bob'));

    // Act
    const report = await runToEnd(cloud, customActionEvent([keyFinding('ci-legacy')]));

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved', workflowStatus: 'RESOLVED' });
    expect(report.findings[0].note).toContain('An exemption expired and was ignored (exempt until 2020-01-31 by bob');
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Inactive');
  });

  it('honours an exemption from the configuration file', async () => {
    // Prepare
    cloud = await startCloud(demoAccount, {
      exemptions: [{ accountId: HOME_ACCOUNT, until: '2099-01-01', reason: 'account being decommissioned', by: 'platform team' }],
    });

    // Act
    const report = await runToEnd(cloud, customActionEvent([keyFinding('ci-legacy')]));

    // Assess
    expect(report.findings[0].note).toContain('account being decommissioned');
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Active');
  });
});
