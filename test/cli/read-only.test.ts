import { GetAccessKeyLastUsedCommand, IAMClient, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { readOnlyClientFactory, ReadOnlyViolationError } from '../../cli/aws';

/** What `hubfix plan` and `hubfix controls audit` read real accounts with: reads only, member accounts as hubfix-inspect. */
const HOME = '111111111111';
const MEMBER = '222222222222';
const CREDENTIALS = { accessKeyId: 'AKIA', secretAccessKey: 'secret' };

/** Answers every request that gets past the initialize step without the network, and records its command. */
const answered = (client: IAMClient, sent: string[]): IAMClient => {
  client.middlewareStack.add(
    (_next, context) => async () => {
      sent.push(String(context.commandName));
      return { output: { $metadata: {} }, response: {} };
    },
    { step: 'build', name: 'testAnswer' },
  );
  return client;
};

describe('readOnlyClientFactory', () => {
  it('refuses a write before it is signed and lets a read through', async () => {
    // Prepare
    const clients = readOnlyClientFactory({ homeAccountId: HOME, homeRegion: 'us-east-1', credentials: async () => CREDENTIALS });
    const sent: string[] = [];
    const iam = answered(clients.home(IAMClient), sent);

    // Act
    const write = await iam
      .send(new UpdateAccessKeyCommand({ UserName: 'ci', AccessKeyId: 'AKIA1', Status: 'Inactive' }))
      .catch((e: Error) => e);
    await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: 'AKIA1' }));

    // Assess
    expect(write).toBeInstanceOf(ReadOnlyViolationError);
    expect((write as Error).message).toBe('IAMClient.UpdateAccessKeyCommand refused: this command only reads');
    expect(sent).toEqual(['GetAccessKeyLastUsedCommand']);
  });

  it('reaches a member account through hubfix-inspect, even when the caller asks for the remediate role', async () => {
    // Prepare
    const sts = mockClient(STSClient);
    sts.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: 'ASIA', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(Date.now() + 3600_000) },
    });
    const clients = readOnlyClientFactory({ homeAccountId: HOME, homeRegion: 'us-east-1', credentials: async () => CREDENTIALS });

    // Act
    const iam = clients.at(IAMClient, { accountId: MEMBER, region: 'eu-west-1', access: 'remediate' });
    const credentials = await iam.config.credentials();

    // Assess
    expect(credentials.accessKeyId).toBe('ASIA');
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn)).toEqual([`arn:aws:iam::${MEMBER}:role/hubfix-inspect`]);
    sts.restore();
  });
});
