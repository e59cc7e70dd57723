import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import {
  awsClientFactory,
  HOME_ACCOUNT_ENV,
  memberRoleSessions,
  sessionNameFor,
  withAccess,
  withSession,
  type ClientFactory,
} from '../../functions/platform/clients';
import { asStepError, ConfigurationError, MemberRoleUnavailableError, RemediationError } from '../../functions/platform/errors';

const HOME = '111111111111';
const MEMBER = '222222222222';
const sts = mockClient(STSClient);

const stsError = (name: string, message: string, fault: 'client' | 'server' = 'client') =>
  new STSServiceException({ name, message, $fault: fault, $metadata: { httpStatusCode: fault === 'client' ? 403 : 500 } });

let issued = 0;
const credentialsFromSts = (expiresInMs = 3600_000) => {
  issued += 1;
  return {
    Credentials: {
      AccessKeyId: `ASIAMEMBER${issued}`,
      SecretAccessKey: 'secret',
      SessionToken: 'token',
      Expiration: new Date(Date.now() + expiresInMs),
    },
  };
};

/** The credentials a client signs with: the SDK resolves them through the provider the factory gave it. */
const credentialsOf = async (client: IAMClient | EC2Client) => client.config.credentials();

let clients: ClientFactory;
beforeEach(() => {
  sts.reset();
  sts.on(AssumeRoleCommand).callsFake(() => credentialsFromSts());
  clients = awsClientFactory({ homeRegion: 'us-east-1', homeAccountId: HOME });
});
afterEach(() => {
  delete process.env[HOME_ACCOUNT_ENV];
});

describe('awsClientFactory: clients in the home account', () => {
  it('uses the function role itself in the home account (no AssumeRole), in the target region', async () => {
    // Act
    const iam = clients.at(IAMClient, { accountId: HOME, region: 'eu-west-1' });

    // Assess
    expect(await iam.config.region()).toBe('eu-west-1');
    expect((await credentialsOf(iam)).accessKeyId).toBe('testing'); // the environment's (the Lambda role's) credentials
    expect(sts).not.toHaveReceivedCommand(AssumeRoleCommand);
  });
});

describe('awsClientFactory: clients in member accounts', () => {
  it('assumes hubfix-inspect in the finding account, with the run as session name, and acts in the target region', async () => {
    // Prepare
    const run = withSession(clients, sessionNameFor('IAM-3-remediate-0f6c2b1e'));

    // Act
    const iam = run.at(IAMClient, { accountId: MEMBER, region: 'eu-west-1' });
    const credentials = await credentialsOf(iam);

    // Assess
    expect(await iam.config.region()).toBe('eu-west-1');
    expect(credentials).toMatchObject({ accessKeyId: 'ASIAMEMBER1', secretAccessKey: 'secret', sessionToken: 'token' });
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: `arn:aws:iam::${MEMBER}:role/hubfix-inspect`,
      RoleSessionName: 'hubfix-IAM-3-remediate-0f6c2b1e',
    });
  });

  it('assumes hubfix-remediate for a step that changes resources', async () => {
    // Prepare
    const remediate = withAccess(clients, 'remediate');

    // Act
    await credentialsOf(remediate.at(IAMClient, { accountId: MEMBER, region: 'us-east-1' }));

    // Assess
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, { RoleArn: `arn:aws:iam::${MEMBER}:role/hubfix-remediate` });
    expect(sts).not.toHaveReceivedCommandWith(AssumeRoleCommand, { RoleArn: `arn:aws:iam::${MEMBER}:role/hubfix-inspect` });
  });

  it('assumes once per role and session, whatever the service or region', async () => {
    // Prepare
    const run = withSession(clients, 'hubfix-run-1');
    const target = { accountId: MEMBER, region: 'us-east-1' };

    // Act
    const [a, b, c] = await Promise.all([
      credentialsOf(run.at(IAMClient, target)),
      credentialsOf(run.at(EC2Client, target)),
      credentialsOf(run.at(EC2Client, { ...target, region: 'eu-west-1' })),
    ]);
    await credentialsOf(withSession(clients, 'hubfix-run-2').at(IAMClient, target));

    // Assess
    expect(new Set([a.accessKeyId, b.accessKeyId, c.accessKeyId]).size).toBe(1);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2); // run-1 once, run-2 once
    expect(run.at(IAMClient, target)).toBe(run.at(IAMClient, target));
  });

  it('uses the partition of the target region in the role ARN', async () => {
    // Act
    await credentialsOf(clients.at(IAMClient, { accountId: MEMBER, region: 'cn-north-1' }));

    // Assess
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, { RoleArn: `arn:aws-cn:iam::${MEMBER}:role/hubfix-inspect` });
  });

  it('reads the home account from HUBFIX_HOME_ACCOUNT_ID, and refuses to guess when it is not set', async () => {
    // Prepare
    const fromEnv = awsClientFactory({ homeRegion: 'us-east-1' });

    // Act / Assess
    expect(() => fromEnv.at(IAMClient, { accountId: MEMBER, region: 'us-east-1' })).toThrow(ConfigurationError);
    process.env[HOME_ACCOUNT_ENV] = HOME;
    fromEnv.at(IAMClient, { accountId: HOME, region: 'us-east-1' });
    expect(sts).not.toHaveReceivedCommand(AssumeRoleCommand);
  });
});

describe('memberRoleSessions: credential lifetime', () => {
  it('keeps credentials until five minutes before they expire, then assumes the role again', async () => {
    // Prepare
    let now = new Date('2026-11-22T12:00:00Z');
    sts.on(AssumeRoleCommand).callsFake(() => ({
      Credentials: {
        AccessKeyId: `ASIA${++issued}`,
        SecretAccessKey: 's',
        SessionToken: 't',
        Expiration: new Date(now.getTime() + 3600_000),
      },
    }));
    const sessionFor = memberRoleSessions({ homeAccountId: () => HOME, sts: () => new STSClient({ region: 'us-east-1' }), now: () => now });
    const provider = sessionFor({ accountId: MEMBER, region: 'us-east-1' })!.credentials;

    // Act
    const first = await provider();
    now = new Date('2026-11-22T12:54:00Z'); // 6 minutes left
    const stillFirst = await provider();
    now = new Date('2026-11-22T12:56:00Z'); // 4 minutes left
    const second = await provider();

    // Assess
    expect(stillFirst.accessKeyId).toBe(first.accessKeyId);
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });
});

describe('memberRoleSessions: refusals', () => {
  it('turns an AccessDenied from STS into MemberRoleUnavailableError that names the account, the role and STS’s reason', async () => {
    // Prepare
    sts
      .on(AssumeRoleCommand)
      .rejects(
        stsError(
          'AccessDenied',
          `User: x is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${MEMBER}:role/hubfix-remediate`,
        ),
      );
    const iam = withAccess(clients, 'remediate').at(IAMClient, { accountId: MEMBER, region: 'us-east-1' });

    // Act
    const failure = await credentialsOf(iam).catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(MemberRoleUnavailableError);
    expect((failure as Error).name).toBe('MemberRoleUnavailableError');
    expect((failure as Error).message).toBe(
      `hubfix cannot act in account ${MEMBER}: role hubfix-remediate could not be assumed (AccessDenied: User: x is not authorized to ` +
        `perform: sts:AssumeRole on resource: arn:aws:iam::${MEMBER}:role/hubfix-remediate). Deploy the hubfix member stack there`,
    );
  });

  it('does not remember a refusal: the next call (a retry after the stack is deployed) asks STS again', async () => {
    // Prepare
    sts
      .on(AssumeRoleCommand)
      .rejectsOnce(stsError('AccessDenied', 'not authorized'))
      .callsFake(() => credentialsFromSts());
    const provider = memberRoleSessions({ homeAccountId: () => HOME, sts: () => new STSClient({ region: 'us-east-1' }) })({
      accountId: MEMBER,
      region: 'us-east-1',
    })!.credentials;

    // Act
    await expect(provider()).rejects.toThrow(MemberRoleUnavailableError);
    const credentials = await provider();

    // Assess
    expect(credentials.accessKeyId).toMatch(/^ASIAMEMBER/);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });

  it('leaves throttling and STS server errors as they are, for the retries to handle', async () => {
    // Prepare
    const sessionFor = memberRoleSessions({ homeAccountId: () => HOME, sts: () => new STSClient({ region: 'us-east-1', maxAttempts: 1 }) });
    const provider = sessionFor({ accountId: MEMBER, region: 'us-east-1' })!.credentials;

    // Act / Assess
    sts.on(AssumeRoleCommand).rejects(stsError('Throttling', 'Rate exceeded'));
    await expect(provider()).rejects.toMatchObject({ name: 'Throttling' });
    sts.on(AssumeRoleCommand).rejects(stsError('InternalFailure', 'oops', 'server'));
    await expect(provider()).rejects.toMatchObject({ name: 'InternalFailure' });
  });
});

describe('the step error of a member-role refusal', () => {
  it('is the MemberRoleUnavailableError itself even when a control wrapped it in a RemediationError', () => {
    // Prepare
    const refusal = new MemberRoleUnavailableError('hubfix cannot act in account 222222222222: role hubfix-remediate could not be assumed');
    const wrapped = new RemediationError('Setting AKIA1 to Inactive failed (MemberRoleUnavailableError: …); nothing was changed', {
      cause: refusal,
    });

    // Act / Assess
    expect(asStepError(wrapped)).toBe(refusal);
    expect(asStepError(refusal)).toBe(refusal);
  });
});

describe('sessionNameFor', () => {
  it('makes a valid RoleSessionName: allowed characters only, at most 64', () => {
    // Act
    const name = sessionNameFor(`CloudTrail-1-remediate-${'a'.repeat(60)}/x y`);

    // Assess
    expect(name).toMatch(/^hubfix-CloudTrail-1-remediate-a+$/);
    expect(name).toHaveLength(64);
    expect(sessionNameFor('a b')).toBe('hubfix-a-b');
  });
});
