import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFinding, loadFixture } from '../../bench/load';
import { parseFinding } from '../../functions/findings/asff';
import { defaultConfig } from '../../functions/platform/config';
import { InvalidInputError } from '../../functions/platform/errors';
import type { WorkflowState } from '../../functions/findings/types';
import { createAssessHandler } from '../../functions/handlers/assess';
import { createRemediateHandler } from '../../functions/handlers/remediate';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { lambdaContext } from '../../sandbox/local-lambda';
import { planEvent } from '../../cli/plan';
import {
  annotationOf,
  asffFinding,
  customActionEvent,
  HOME_ACCOUNT,
  HOME_REGION,
  importedEvent,
  keyStatus,
  oneSecondApproval,
  runToEnd,
  startCloud,
} from '../support/workflow';

/**
 * The trust boundary, tried as an attacker would, through the local cloud: findings any account can import,
 * queue messages and execution inputs that name what Security Hub does not hold, a finding that names two
 * resources, user-defined fields any account can write, and text that wants to become part of an email.
 */

const demoAccount = JSON.parse(readFileSync(join(__dirname, '../../sandbox/fixtures/demo-account.json'), 'utf8')) as Record<
  string,
  unknown
>;
const MEMBER = '222222222222';
/** What a member account's principal with securityhub:BatchImportFindings gets as its product. */
const FORGED_PRODUCT = `arn:aws:securityhub:${HOME_REGION}:${MEMBER}:product/${MEMBER}/default`;

const userArn = (user: string, path = '') => `arn:aws:iam::${HOME_ACCOUNT}:user/${path}${user}`;
/** `suffix` tells findings apart; it is not an ASFF member, so it stays out of the finding (GetFindings' model has no such field). */
const keyFinding = (user: string, { suffix, ...extra }: Record<string, unknown> = {}) => ({
  ...asffFinding({ controlId: 'IAM.3', resourceType: 'AwsIamUser', resourceId: userArn(user), suffix: String(suffix ?? '') }),
  ...extra,
});
const forged = (user: string, n = 0) =>
  keyFinding(user, { Id: `${MEMBER}/forged/${user}/${n}`, ProductArn: FORGED_PRODUCT, ProductName: 'Default', CompanyName: 'Personal' });
const held = (cloud: LocalCloud, finding: Record<string, unknown>) =>
  cloud.sim.finding(String(finding.Id), String(finding.ProductArn))?.finding as Record<string, unknown>;
const noteOf = (cloud: LocalCloud, finding: Record<string, unknown>) => annotationOf(cloud, finding).note;

let cloud: LocalCloud;
afterEach(async () => cloud?.stop());

describe('provenance: only Security Hub’s own control findings are acted on', () => {
  it('starts no run for a finding a member account imported under its own product, on the automatic path', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);

    // Act
    await runToEnd(cloud, importedEvent([forged('ci-legacy')]));

    // Assess: the key an unused-key finding would deactivate at once stays active; nothing annotated (loop protection)
    expect(cloud.stepFunctions.executions.size).toBe(0);
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Active');
    expect(noteOf(cloud, forged('ci-legacy'))).toBe('');
  });

  it('answers an analyst’s click on a forged finding with the reason, and changes nothing', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);

    // Act
    const report = await runToEnd(cloud, customActionEvent([forged('ci-legacy')]));

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'skipped' });
    expect(report.findings[0].note).toContain(`not acted on: product ${FORGED_PRODUCT} is not trusted`);
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Active');
  });

  it('starts nothing for one event of 100 forged findings', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);
    const flood = Array.from({ length: 100 }, (_, n) => forged(['ci-legacy', 'orders-service', 'dev-alice'][n % 3], n));

    // Act
    await runToEnd(cloud, importedEvent(flood));

    // Assess
    expect(cloud.stepFunctions.executions.size).toBe(0);
    for (const user of ['ci-legacy', 'orders-service', 'dev-alice']) expect(keyStatus(cloud, user)).toBe('Active');
  });

  it('does not fix a forged duplicate of a finding the team SUPPRESSED, nor the original when an event claims it is NEW', async () => {
    // Prepare: Security Hub holds the original, suppressed
    cloud = await startCloud(demoAccount);
    const original = keyFinding('ci-legacy', { Workflow: { Status: 'SUPPRESSED' } });
    cloud.sim.importFinding(original);

    // Act
    await runToEnd(cloud, importedEvent([forged('ci-legacy')]));
    const claimedNew = await runToEnd(cloud, customActionEvent([{ ...original, Workflow: { Status: 'NEW' } }]));

    // Assess
    expect(cloud.stepFunctions.executions.size).toBe(0);
    expect(claimedNew.findings[0].note).toBe('hubfix did not act: the finding is SUPPRESSED: someone decided not to act on it');
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Active');
  });

  it('acts on another product only when the configuration trusts it', async () => {
    // Prepare
    cloud = await startCloud(demoAccount, {
      trust: { products: [`arn:aws:securityhub:*:${MEMBER}:product/${MEMBER}/default`.replace(`:${MEMBER}:product`, '::product')] },
    });
    const trusted = keyFinding('ci-legacy', {
      Id: 'trusted-1',
      ProductArn: `arn:aws:securityhub:${HOME_REGION}::product/${MEMBER}/default`,
    });

    // Act
    const report = await runToEnd(cloud, customActionEvent([trusted]));

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved' });
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Inactive');
  });

  it('says in `hubfix plan` that it will not act on another product’s finding, and why', async () => {
    // Act
    const plan = await planEvent(forged('ci-legacy'), defaultConfig());

    // Assess
    expect(plan.findings).toEqual([expect.objectContaining({ route: 'skip', reason: expect.stringContaining('is not trusted') })]);
  });
});

describe('Security Hub, re-read, is the source of truth', () => {
  it('starts nothing for a queue message naming a finding Security Hub does not hold', async () => {
    // Prepare: the message goes straight to the queue; Security Hub never had the finding
    cloud = await startCloud(demoAccount);

    // Act
    const response = await cloud.deliver(customActionEvent([keyFinding('ci-legacy')]));
    await cloud.settle();

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(cloud.stepFunctions.executions.size).toBe(0);
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Active');
  });

  it('re-reads through GetFindings throttling (one bucket for the whole administrator account) instead of losing the request', async () => {
    // Prepare: the first four GetFindings calls are throttled, as a burst of runs would find the bucket empty
    cloud = await startCloud(demoAccount);
    let throttled = 0;
    cloud.sim.faults = (call) => {
      if (call.command === 'GetFindings' && throttled < 4) {
        throttled += 1;
        throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
      }
    };

    // Act
    const report = await runToEnd(cloud, customActionEvent([keyFinding('ci-legacy')]));

    // Assess
    expect(throttled).toBe(4);
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved' });
  });

  it('starts the runs when the re-read stays throttled at intake, and Assess re-reads before anything changes', async () => {
    // Prepare: every attempt of intake's re-read is throttled (7 of hubfix's, each with the SDK's 3); Assess's goes through
    cloud = await startCloud(demoAccount);
    let throttled = 0;
    cloud.sim.faults = (call) => {
      if (call.command === 'GetFindings' && throttled < 21) {
        throttled += 1;
        throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
      }
    };
    const ghost = keyFinding('dev-alice', { Id: 'never-imported' });

    // Act: a queue message invents a finding while the re-read is throttled; then a real finding
    const response = await cloud.deliver(customActionEvent([ghost]));
    await cloud.settle();
    await runToEnd(cloud, customActionEvent([keyFinding('ci-legacy')]));

    // Assess: the invented one started (intake could not look) and Assess refused it; the real one is fixed
    expect(throttled).toBe(21);
    expect(response).toEqual({ batchItemFailures: [] });
    const [invented] = [...cloud.stepFunctions.executions.values()];
    expect(invented.states).toEqual(['Assess', 'Route', 'Annotate', 'Outcome', 'Done']);
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Inactive');
    expect(keyStatus(cloud, 'dev-alice')).toBe('Active');
  });

  it('gives back the lock a throttled intake took on the resource a message claimed, once Assess refuses the claim', async () => {
    // Prepare: Security Hub holds dev-alice's finding; a message claims the same finding is about ci-legacy, and
    // intake's re-read is throttled throughout (7 of hubfix's attempts, each with the SDK's 3), so it locks ci-legacy
    cloud = await startCloud(demoAccount);
    const real = keyFinding('dev-alice');
    cloud.sim.importFinding(real);
    const claimed = { ...real, Resources: [{ Type: 'AwsIamUser', Id: userArn('ci-legacy'), Partition: 'aws', Region: HOME_REGION }] };
    let throttled = 0;
    cloud.sim.faults = (call) => {
      if (call.command === 'GetFindings' && throttled < 21) {
        throttled += 1;
        throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
      }
    };

    // Act
    await cloud.deliver(customActionEvent([claimed]));
    await cloud.settle();
    const next = await runToEnd(cloud, customActionEvent([keyFinding('ci-legacy')]));

    // Assess: the claim was refused, and the next run on ci-legacy is not told another run holds it
    expect(noteOf(cloud, real)).toContain(
      "the request says resource arn:aws:iam::111111111111:user/ci-legacy but Security Hub's finding says",
    );
    expect(next.findings[0]).toMatchObject({ outcome: 'resolved' });
    expect(keyStatus(cloud, 'dev-alice')).toBe('Active');
  });

  it('refuses, inside the workflow, a direct StartExecution for an excluded account', async () => {
    // Prepare
    cloud = await startCloud(demoAccount, { accounts: { exclude: [HOME_ACCOUNT] } });
    const raw = keyFinding('ci-legacy');
    cloud.sim.importFinding(raw);
    const parsed = parseFinding(raw);
    if (!parsed.ok) throw new Error(parsed.reason);

    // Act
    const execution = cloud.stepFunctions.start('direct-excluded', {
      finding: parsed.finding,
      action: 'remediate',
      trigger: 'imported',
      receivedAt: new Date().toISOString(),
    });
    await cloud.settle();

    // Assess
    expect(execution.states).toEqual(['Assess', 'Route', 'Annotate', 'Outcome', 'Done']);
    expect(noteOf(cloud, raw)).toContain(`account ${HOME_ACCOUNT} is excluded in the hubfix configuration`);
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Active');
  });

  it('refuses a direct StartExecution whose input names another resource than Security Hub’s finding', async () => {
    // Prepare: Security Hub's finding is about dev-alice; the input claims the production user
    cloud = await startCloud(demoAccount);
    const raw = keyFinding('dev-alice');
    cloud.sim.importFinding(raw);
    const parsed = parseFinding({
      ...raw,
      Resources: [{ Type: 'AwsIamUser', Id: userArn('orders-service'), Partition: 'aws', Region: HOME_REGION }],
    });
    if (!parsed.ok) throw new Error(parsed.reason);

    // Act
    cloud.stepFunctions.start('direct-swapped', {
      finding: parsed.finding,
      action: 'remediate',
      trigger: 'custom-action',
      receivedAt: new Date().toISOString(),
    });
    await cloud.settle();

    // Assess
    expect(noteOf(cloud, raw)).toMatch(
      /the request says resource arn:aws:iam::111111111111:user\/orders-service but Security Hub's finding says .*dev-alice/,
    );
    expect(keyStatus(cloud, 'orders-service')).toBe('Active');
    expect(cloud.sim.published).toHaveLength(0);
  });

  it('refuses a direct StartExecution whose requestedBy is malformed: a hidden requester would dodge the self-approval check', async () => {
    // Prepare: a requester with a user name but no ARN or sign-in to say whose it is
    cloud = await startCloud(demoAccount);
    const raw = keyFinding('orders-service');
    cloud.sim.importFinding(raw);
    const parsed = parseFinding(raw);
    if (!parsed.ok) throw new Error(parsed.reason);

    // Act
    const execution = cloud.stepFunctions.start('direct-malformed-requester', {
      finding: parsed.finding,
      action: 'remediate',
      trigger: 'custom-action',
      receivedAt: new Date().toISOString(),
      requestedBy: { userName: 'someone-else', isAdmin: true },
    });
    await cloud.settle();

    // Assess
    expect(execution.states).toEqual(['Assess', 'Route', 'Annotate', 'Outcome', 'Done']);
    expect(noteOf(cloud, raw)).toContain("The run's requestedBy (who started it) is malformed");
    expect((execution.output as WorkflowState).requestedBy).toBeUndefined();
    expect(cloud.sim.published).toHaveLength(0);
    expect(keyStatus(cloud, 'orders-service')).toBe('Active');
  });

  it('annotates nothing and changes nothing for a direct StartExecution of a finding that does not exist', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);
    const parsed = parseFinding(keyFinding('ci-legacy'));
    if (!parsed.ok) throw new Error(parsed.reason);

    // Act
    const execution = cloud.stepFunctions.start('direct-ghost', {
      finding: parsed.finding,
      action: 'remediate',
      trigger: 'custom-action',
      receivedAt: new Date().toISOString(),
    });
    await cloud.settle();

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Active');
    expect(cloud.sim.calls.filter((c) => c.command === 'BatchUpdateFindings')).toHaveLength(0);
  });
});

describe('one canonical resource', () => {
  it('refuses a finding whose resource id and Details name different users', async () => {
    // Prepare: the approver would read "sandbox-throwaway-key-of-intern"; Details name the production user
    cloud = await startCloud(demoAccount);
    const twoFaced = keyFinding('sandbox-throwaway-key-of-intern', {
      Resources: [
        {
          Type: 'AwsIamAccessKey',
          Id: userArn('sandbox-throwaway-key-of-intern'),
          Partition: 'aws',
          Region: HOME_REGION,
          Details: { AwsIamAccessKey: { PrincipalName: 'orders-service', AccessKeyId: 'AKIAIOSFODNN7ORDERS1' } },
        },
      ],
    });

    // Act
    const report = await runToEnd(cloud, customActionEvent([twoFaced]), 'approve');

    // Assess
    expect(report.findings[0].note).toContain(
      'names two resources: its resource id says sandbox-throwaway-key-of-intern but ' +
        'Details.AwsIamAccessKey.PrincipalName says orders-service',
    );
    expect(report.emails).toHaveLength(0);
    expect(keyStatus(cloud, 'orders-service')).toBe('Active');
  });

  it('refuses a security-group finding whose Details name another group', async () => {
    // Act
    const plan = await planEvent(
      asffFinding({
        controlId: 'EC2.19',
        resourceType: 'AwsEc2SecurityGroup',
        resourceId: `arn:aws:ec2:${HOME_REGION}:${HOME_ACCOUNT}:security-group/sg-0aaaaaaaaaaaaaaaa`,
        details: { AwsEc2SecurityGroup: { GroupId: 'sg-0bbbbbbbbbbbbbbbb' } },
      }),
      defaultConfig(),
    );

    // Assess
    expect(plan.findings[0]).toMatchObject({ route: 'skip', reason: expect.stringContaining('names two resources') });
  });

  it('sends one approval request for eight spellings of one IAM user, and tells the other seven findings who holds it', async () => {
    // Prepare
    cloud = await startCloud(demoAccount, oneSecondApproval());
    const spellings = Array.from({ length: 8 }, (_, i) =>
      keyFinding('orders-service', {
        suffix: `p${i}`,
        Resources: [{ Type: 'AwsIamUser', Id: userArn('orders-service', `p${i}/`), Partition: 'aws', Region: HOME_REGION }],
      }),
    );

    // Act
    const report = await runToEnd(cloud, customActionEvent(spellings));

    // Assess
    expect(cloud.sim.published).toHaveLength(1);
    expect(cloud.sim.published[0].subject).toContain(userArn('orders-service'));
    const locked = report.findings.filter((f) => f.note.includes('another hubfix run'));
    expect(locked).toHaveLength(7);
    for (const f of locked) expect(f.note).toContain(`is changing ${userArn('orders-service')} right now`);
    expect(keyStatus(cloud, 'orders-service')).toBe('Active');
  });

  it('refuses a finding whose resource ARN is in another account than the finding', async () => {
    // Prepare
    cloud = await startCloud(demoAccount);
    const elsewhere = keyFinding('ci-legacy', {
      Resources: [{ Type: 'AwsIamUser', Id: 'arn:aws:iam::999999999999:user/ci-legacy', Partition: 'aws', Region: HOME_REGION }],
    });

    // Act
    const report = await runToEnd(cloud, customActionEvent([elsewhere]));

    // Assess
    expect(report.findings[0].note).toContain(`the resource ARN is in account 999999999999 but the finding is for account ${HOME_ACCOUNT}`);
    expect(cloud.stepFunctions.executions.size).toBe(0);
  });

  it('lets Remediate refuse a plan made for another resource than the finding’s', async () => {
    // Prepare: a state whose plan names the production user while the finding is dev-alice's
    cloud = await startCloud(demoAccount);
    const parsed = parseFinding(keyFinding('dev-alice'));
    if (!parsed.ok) throw new Error(parsed.reason);
    const state: WorkflowState = {
      finding: parsed.finding,
      action: 'remediate',
      trigger: 'custom-action',
      receivedAt: new Date().toISOString(),
      assessment: {
        controlId: 'IAM.3',
        route: 'auto',
        routeReason: 'test',
        evidence: [],
        assessedAt: new Date().toISOString(),
        plan: {
          summary: 'deactivate',
          steps: [],
          reversible: true,
          target: userArn('orders-service'),
          parameters: { userName: 'dev-alice', accessKeyIds: ['AKIAIOSFODNN7ALICE01'] },
        },
      },
    };
    const remediate = createRemediateHandler(() => cloud.runtime);

    // Act
    const attempt = remediate(state, lambdaContext('remediate'));

    // Assess
    await expect(attempt).rejects.toThrow(
      /The plan was made for arn:aws:iam::111111111111:user\/orders-service, not for .*dev-alice: nothing was changed/,
    );
    await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
    expect(keyStatus(cloud, 'dev-alice')).toBe('Active');
  });
});

describe('untrusted text in the approval email', () => {
  it('keeps a forged block out of the body and no link but hubfix’s own', async () => {
    // Prepare
    cloud = await startCloud(demoAccount, oneSecondApproval());
    const title =
      'Access key rotation\r\n\r\n\u202eYOUR APPROVAL LINK EXPIRED. Sign in again at https://evil.example/login?next=approve\r\n';

    // Act
    await runToEnd(cloud, customActionEvent([keyFinding('orders-service', { Title: title })]));

    // Assess
    const [email] = cloud.sim.published;
    expect(email.subject).not.toMatch(/[\r\n]/);
    const lines = email.message.split('\n');
    expect(lines.filter((line) => line.startsWith('YOUR APPROVAL LINK EXPIRED'))).toEqual([]);
    expect(email.message).not.toContain('https://evil.example');
    expect(email.message).not.toContain('\u202e');
    expect(lines.find((line) => line.startsWith('Finding:'))).toBe(
      'Finding:   Access key rotation YOUR APPROVAL LINK EXPIRED. Sign in again at hxxps[:]//evil[.]example/login?next=approve',
    );
    expect(lines.filter((line) => /https?:\/\//.test(line))).toEqual([expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/approvals\//)]);
  });
});

describe('hubfix’s own records decide', () => {
  it('refuses Undo on a finding whose hubfix:execution field names another finding’s fix', async () => {
    // Prepare: ci-legacy's key was fixed automatically; someone copies that run's id onto dev-alice's finding
    cloud = await startCloud(demoAccount);
    const fixed = keyFinding('ci-legacy');
    await runToEnd(cloud, customActionEvent([fixed]));
    const execution = String((held(cloud, fixed).UserDefinedFields as Record<string, string>)['hubfix:execution']);
    const victim = keyFinding('dev-alice', {
      UserDefinedFields: { 'hubfix:outcome': 'resolved', 'hubfix:execution': execution },
      Workflow: { Status: 'RESOLVED' },
    });

    // Act
    const report = await runToEnd(cloud, customActionEvent([victim], 'HubfixUndo'));

    // Assess
    expect(report.findings[0].note).toContain('hubfix has no fix on record for this finding');
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Inactive');
    expect(keyStatus(cloud, 'dev-alice')).toBe('Active');
  });

  it('is not kept off a finding by a hubfix:outcome field someone else wrote', async () => {
    // Prepare: hubfix never handled this finding; its user-defined fields claim otherwise
    cloud = await startCloud(demoAccount);
    const tampered = keyFinding('ci-legacy', {
      UserDefinedFields: { 'hubfix:outcome': 'skipped', 'hubfix:execution': 'arn:aws:states:x' },
    });

    // Act
    const report = await runToEnd(cloud, importedEvent([tampered]));

    // Assess
    expect(report.findings[0]).toMatchObject({ outcome: 'resolved' });
    expect(keyStatus(cloud, 'ci-legacy')).toBe('Inactive');
  });
});

describe('blast limits', () => {
  const users = 8;
  const flood = () => Array.from({ length: users }, (_, index) => loadFinding(index, 1));

  it('pauses the automatic path past the per-account cap, annotates the held findings and counts them for the alarm', async () => {
    // Prepare
    cloud = await startCloud(loadFixture(users, 1), { blastLimits: { perAccount: 3, overall: 50, windowMinutes: 60 } });

    // Act
    const report = await runToEnd(cloud, importedEvent(flood()));

    // Assess
    const outcomes = report.findings.map((f) => f.outcome).sort();
    expect(outcomes.filter((o) => o === 'resolved')).toHaveLength(3);
    const heldFindings = report.findings.filter((f) =>
      f.note.startsWith('hubfix did not act: held: automatic remediation paused after 3 changes in 60 minutes'),
    );
    expect(heldFindings).toHaveLength(users - 3);
    const inactive = Object.values(cloud.sim.snapshot()).flatMap((a) =>
      Object.values((a.iam ?? {}) as Record<string, Record<string, string>>).flatMap(Object.values),
    );
    expect(inactive.filter((s) => s === 'Inactive')).toHaveLength(3);
  });

  it('applies the overall cap across accounts', async () => {
    // Prepare
    cloud = await startCloud(loadFixture(6, 3), { blastLimits: { perAccount: 10, overall: 2 } });

    // Act
    const report = await runToEnd(cloud, importedEvent(Array.from({ length: 6 }, (_, index) => loadFinding(index, 3))));

    // Assess
    expect(report.findings.filter((f) => f.outcome === 'resolved')).toHaveLength(2);
    expect(report.findings.filter((f) => f.note.includes('(cap across all accounts; blastLimits'))).toHaveLength(4);
  });

  it('sends an analyst’s click past the cap to a person instead of holding it', async () => {
    // Prepare
    cloud = await startCloud(loadFixture(2, 1), { blastLimits: { perAccount: 1 } });

    // Act
    const report = await runToEnd(cloud, customActionEvent([loadFinding(0, 1), loadFinding(1, 1)]), 'reject');

    // Assess
    expect(report.findings.map((f) => f.outcome).sort()).toEqual(['rejected', 'resolved']);
    expect(cloud.sim.published).toHaveLength(1);
    expect(cloud.sim.published[0].message).toContain('Automatic changes are paused, so a person decides');
  });

  it('takes one slot per run however often Assess is retried', async () => {
    // Prepare: a cap of one; Security Hub holds two low-risk findings
    cloud = await startCloud(loadFixture(2, 1), { blastLimits: { perAccount: 1 } });
    const [first, second] = [loadFinding(0, 1), loadFinding(1, 1)].map((raw) => {
      cloud.sim.importFinding(raw);
      const parsed = parseFinding(raw);
      if (!parsed.ok) throw new Error(parsed.reason);
      return { finding: parsed.finding, action: 'remediate' as const, trigger: 'imported' as const, receivedAt: new Date().toISOString() };
    });
    const assess = createAssessHandler(() => cloud.runtime);

    // Act: the first run's Assess answers twice (a retry after a lost response), then the second run's
    const once = await assess(first, lambdaContext('assess'));
    const again = await assess(first, lambdaContext('assess'));
    const other = await assess(second, lambdaContext('assess'));

    // Assess
    expect([once.assessment?.route, again.assessment?.route]).toEqual(['auto', 'auto']);
    expect(other.assessment).toMatchObject({ route: 'skip', skip: 'held' });
  });
});
