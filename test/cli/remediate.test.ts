import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { BatchUpdateFindingsCommand, GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../cli/main';
import { operatorRuntime, startAsOperator, startRoleCredentials } from '../../cli/remediate';
import { parseConfig } from '../../functions/platform/config';
import { getApproval } from '../../functions/approval/approval-store';
import { parseFinding } from '../../functions/findings/asff';
import { executionName } from '../../functions/workflow/execution-name';
import { answerApproval, approvalLinkIn } from '../../sandbox/approver';
import type { LocalCloud } from '../../sandbox/local-cloud';
import { sandboxOperator } from '../../sandbox/session';
import { waitFor } from '../support/wait-for';
import { asffFinding, HOME_ACCOUNT, HOME_REGION, keyStatus, startCloud } from '../support/workflow';

/**
 * `hubfix remediate`: an operator starts runs as themselves. Against a deployment whose AWS answers are mocked, the
 * command's wiring (stack outputs, caller identity, Security Hub read by id, lock, StartExecution); on the local cloud,
 * the same intake path end to end: the run waits for a person, and the approval record names the operator.
 */

jest.setTimeout(60_000);

const SSO_ARN = `arn:aws:sts::${HOME_ACCOUNT}:assumed-role/AWSReservedSSO_HubfixOperator_5a1b2c3d4e5f6a7b/ana@example.test`;
const STATE_MACHINE = `arn:aws:states:${HOME_REGION}:${HOME_ACCOUNT}:stateMachine:RemediateFinding`;
const OUTPUTS: Record<string, string> = {
  StateMachineArn: STATE_MACHINE,
  LockTableName: 'hubfix-locks',
  AuditTableName: 'hubfix-audit',
};
const keyFinding = (user: string) =>
  asffFinding({ controlId: 'IAM.3', resourceType: 'AwsIamUser', resourceId: `arn:aws:iam::${HOME_ACCOUNT}:user/${user}` });

describe('hubfix remediate against a deployment (AWS mocked)', () => {
  // Mocked for this block only: the local cloud below talks to its own simulated services through the same client classes.
  const cfn = mockClient(CloudFormationClient);
  const sts = mockClient(STSClient);
  const securityHub = mockClient(SecurityHubClient);
  const dynamo = mockClient(DynamoDBDocumentClient);
  const sfn = mockClient(SFNClient);
  const mocks = [cfn, sts, securityHub, dynamo, sfn];
  const finding = keyFinding('orders-service');

  afterAll(() => {
    for (const mock of mocks) mock.restore();
  });

  beforeEach(() => {
    for (const mock of mocks) mock.reset();
    const outputs = Object.entries(OUTPUTS).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue }));
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackId: `arn:aws:cloudformation:${HOME_REGION}:${HOME_ACCOUNT}:stack/Hubfix/1a2b`,
          StackName: 'Hubfix',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: outputs,
        },
      ],
    });
    sts.on(GetCallerIdentityCommand).resolves({ Arn: SSO_ARN, Account: HOME_ACCOUNT, UserId: 'AROA:ana@example.test' });
    securityHub.on(GetFindingsCommand).callsFake((input: { Filters: { Id?: { Value: string }[] } }) => ({
      Findings: (input.Filters.Id ?? []).some((f) => f.Value === finding.Id) ? [finding] : [],
    }));
    securityHub.on(BatchUpdateFindingsCommand).resolves({ ProcessedFindings: [], UnprocessedFindings: [] });
    dynamo.on(PutCommand).resolves({});
    dynamo.on(GetCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${STATE_MACHINE}:run`, startDate: new Date() });
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  it('starts the run on the deployed state machine, its input naming the caller, after reading the finding by id', async () => {
    // Act
    const code = await main(['node', 'hubfix', 'remediate', '--finding', String(finding.Id), '--region', HOME_REGION]);

    // Assess: the finding was read by its id, locked in the stack's lock table, and started with the caller as requester
    expect(code).toBe(0);
    expect(securityHub.commandCalls(GetFindingsCommand)[0].args[0].input.Filters?.Id).toEqual([
      { Value: finding.Id, Comparison: 'EQUALS' },
    ]);
    expect(dynamo.commandCalls(PutCommand)[0].args[0].input.TableName).toBe('hubfix-locks');
    const started = sfn.commandCalls(StartExecutionCommand);
    expect(started).toHaveLength(1);
    const { stateMachineArn, name, input } = started[0].args[0].input;
    const parsed = parseFinding(finding);
    if (!parsed.ok) throw new Error('the test finding does not parse');
    expect(stateMachineArn).toBe(STATE_MACHINE);
    expect(name).toBe(executionName({ finding: parsed.finding, action: 'remediate' }));
    expect(JSON.parse(String(input))).toMatchObject({
      action: 'remediate',
      trigger: 'custom-action',
      finding: { id: finding.Id, controlId: 'IAM.3' },
      requestedBy: { arn: SSO_ARN, userName: 'ana@example.test' },
    });
  });

  it('starts through the stack\u2019s operator start role, its session named after the person, when the stack has one', async () => {
    // Prepare
    const roleArn = `arn:aws:iam::${HOME_ACCOUNT}:role/Hubfix-OperatorStartRole-1A2B3C`;
    const expiration = new Date(Date.now() + 3600_000);
    sts.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: 'ASIASTART', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: expiration },
    });
    const deployment = { stackName: 'Hubfix', status: 'UPDATE_COMPLETE', accountId: HOME_ACCOUNT, region: HOME_REGION, partition: 'aws' };
    const requester = { arn: SSO_ARN, userName: 'ana@example.test' };

    // Act
    const credentials = startRoleCredentials({ ...deployment, outputs: { ...OUTPUTS, OperatorStartRoleArn: roleArn } }, {}, requester);
    const runtime = operatorRuntime({ ...deployment, outputs: OUTPUTS }, { region: HOME_REGION }, parseConfig({}), credentials);
    const used = await runtime.clients.home(SFNClient).config.credentials();

    // Assess: the role assumed as Ana, and the clients intake uses sign with it; no role output, no role
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)).toEqual([
      { RoleArn: roleArn, RoleSessionName: 'ana@example.test' },
    ]);
    expect(used).toMatchObject({ accessKeyId: 'ASIASTART', sessionToken: 'token' });
    expect(startRoleCredentials({ ...deployment, outputs: OUTPUTS }, {}, requester)).toBeUndefined();
  });

  it('starts nothing and exits 1 for an id Security Hub does not hold, and says so', async () => {
    // Prepare
    const printed: string[] = [];
    jest.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(line));
    const forged = `arn:aws:securityhub:${HOME_REGION}:${HOME_ACCOUNT}:security-control/IAM.3/finding/not-there`;

    // Act
    const code = await main(['node', 'hubfix', 'remediate', '--finding', forged, '--region', HOME_REGION]);

    // Assess
    expect(code).toBe(1);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(printed.join('\n')).toContain(`Not found ${forged}: Security Hub holds no finding with this id in ${HOME_REGION}`);
  });

  it('refuses to run without a deployment named, and asks nobody anything', async () => {
    await expect(main(['node', 'hubfix', 'remediate', '--finding', String(finding.Id)])).rejects.toThrow(
      /starts runs in a deployment: name it with --profile, --region or --stack/,
    );
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

describe('hubfix remediate on the local cloud', () => {
  const demoAccount = JSON.parse(readFileSync(join(__dirname, '../../sandbox/fixtures/demo-account.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  let cloud: LocalCloud | undefined;

  afterEach(async () => {
    await cloud?.stop();
    cloud = undefined;
  });

  it('runs intake as the operator: the approval names them, an unsupported finding is annotated, a missing id reported', async () => {
    // Prepare: a finding a person must decide (the key is in use), one hubfix has no control for, one id Security Hub lacks
    const c = await startCloud(demoAccount);
    cloud = c;
    const key = keyFinding('orders-service');
    const unsupported = asffFinding({
      controlId: 'RDS.4',
      resourceType: 'AwsRdsDbSnapshot',
      resourceId: `arn:aws:rds:us-east-1:${HOME_ACCOUNT}:snapshot:s1`,
    });
    c.sim.importFinding(key);
    c.sim.importFinding(unsupported);
    const missing = `arn:aws:securityhub:${HOME_REGION}:${HOME_ACCOUNT}:security-control/IAM.3/finding/missing`;
    const operator = sandboxOperator(HOME_ACCOUNT, 'ana@example.test');

    // Act
    const result = await startAsOperator(c.runtime, {
      findingIds: [String(key.Id), String(unsupported.Id), missing],
      action: 'remediate',
      requestedBy: operator,
    });
    const email = await waitFor('the approval email', () => c.sim.published[0]);
    const link = approvalLinkIn(email);
    if (!link) throw new Error('an approval email without a link');
    const approvalId = decodeURIComponent(new URL(link).pathname.split('/').pop() ?? '');
    const record = await getApproval(c.runtime, approvalId);

    // Assess
    expect(result.runs).toEqual([expect.objectContaining({ findingId: key.Id, controlId: 'IAM.3', outcome: 'started' })]);
    expect(result.summary).toMatchObject({ started: 1, annotatedSkipped: 1 });
    expect(result.notTaken).toEqual([{ findingId: unsupported.Id, reason: 'hubfix did not act: control RDS.4 has no hubfix plugin' }]);
    expect(result.notFound).toEqual([missing]);
    expect(record?.requestedBy).toEqual(operator);
    expect(email.message).toContain('Requested by ana@example.test (AWS caller arn:aws:sts::');
    expect(keyStatus(c, 'orders-service')).toBe('Active');

    // Act again: the same finding, and another finding of the same key while the first run holds the key's lock
    const sameKey = asffFinding({
      controlId: 'IAM.3',
      resourceType: 'AwsIamUser',
      resourceId: `arn:aws:iam::${HOME_ACCOUNT}:user/orders-service`,
      suffix: 'second-key',
    });
    c.sim.importFinding(sameKey);
    const again = await startAsOperator(c.runtime, {
      findingIds: [String(key.Id), String(sameKey.Id)],
      action: 'remediate',
      requestedBy: operator,
    });

    // Assess: the first is joined (its run is waiting), the second annotated, never listed as a run
    expect(again.runs).toEqual([
      expect.objectContaining({ findingId: key.Id, outcome: 'joined', executionName: result.runs[0].executionName }),
    ]);
    expect(again.notTaken).toEqual([
      {
        findingId: sameKey.Id,
        reason:
          `another hubfix run (${result.runs[0].executionName}) is changing its resource right now; ` +
          'run this again once it has finished',
      },
    ]);
    expect(c.stepFunctions.executions.size).toBe(1);

    // End the wait (a waiting run would hold jest)
    expect(await answerApproval(link, 'reject', 'bo', 'test ended')).toBe(200);
    await c.settle();
  });
});
