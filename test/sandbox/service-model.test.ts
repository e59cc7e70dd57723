import {
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetServiceLastAccessedDetailsCommand,
  IAMClient,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { ServiceModelViolation } from '../../sandbox/service-model';
import { simulatedAccount } from '../support/simulated-account';
import { HOME_ACCOUNT } from '../support/workflow';

/** An IAM client of a simulated account whose GetAccountSummary answers `answer` (a command the simulation lacks). */
const iamAnswering = (answer: Record<string, unknown>) => {
  const { sim, clients } = simulatedAccount({ [HOME_ACCOUNT]: { passwordPolicy: { minimumPasswordLength: 10 } } });
  sim.serve('IAMClient', { GetAccountSummary: () => answer });
  return clients.at(IAMClient, { accountId: HOME_ACCOUNT, region: 'us-east-1' });
};

describe('simulated calls are checked against the service model the SDK ships', () => {
  it('fails a response with a misspelled member, naming it', async () => {
    // Prepare: "SummaryMapp" is not a member of GetAccountSummaryResponse ("SummaryMap" is)
    const iam = iamAnswering({ SummaryMapp: { Users: 3 } });

    // Act
    const call = iam.send(new GetAccountSummaryCommand({}));

    // Assess
    await expect(call).rejects.toThrow(ServiceModelViolation);
    await expect(call).rejects.toThrow(/SummaryMapp: GetAccountSummaryResponse has no member SummaryMapp/);
  });

  it('fails a response member of the wrong type', async () => {
    const call = iamAnswering({ SummaryMap: { Users: '3' } }).send(new GetAccountSummaryCommand({}));

    await expect(call).rejects.toThrow(/SummaryMap\.Users: expected a number, got a string/);
  });

  it('fails a response that lacks a required member', async () => {
    // Prepare: PasswordPolicy is required in GetAccountPasswordPolicyResponse
    const { sim, clients } = simulatedAccount({ [HOME_ACCOUNT]: {} });
    const iam = clients.at(IAMClient, { accountId: HOME_ACCOUNT, region: 'us-east-1' });
    const serve = sim.handle.bind(sim);
    sim.handle = async (client, command, input, ctx) =>
      command === 'GetAccountPasswordPolicyCommand' ? { PasswordPolicy: undefined } : serve(client, command, input, ctx);

    // Act / Assess
    await expect(iam.send(new GetAccountPasswordPolicyCommand({}))).rejects.toThrow(/PasswordPolicy: required member missing/);
  });

  it('lets a required member AWS documents as absent be absent, and only that one', async () => {
    // Prepare: JobCompletionDate is required in the model but "null if the job is still in progress" (IAM API reference)
    const { sim, clients } = simulatedAccount({ [HOME_ACCOUNT]: {} });
    const iam = clients.at(IAMClient, { accountId: HOME_ACCOUNT, region: 'us-east-1' });
    const inProgress = { JobStatus: 'IN_PROGRESS', JobCreationDate: new Date(), ServicesLastAccessed: [] };
    let answer: Record<string, unknown> = inProgress;
    const serve = sim.handle.bind(sim);
    sim.handle = async (client, command, input, ctx) =>
      command === 'GetServiceLastAccessedDetailsCommand' ? answer : serve(client, command, input, ctx);

    // Act
    const running = await iam.send(new GetServiceLastAccessedDetailsCommand({ JobId: 'job' }));
    answer = { ...inProgress, JobCreationDate: undefined };
    const missingCreation = iam.send(new GetServiceLastAccessedDetailsCommand({ JobId: 'job' }));

    // Assess
    expect(running.JobStatus).toBe('IN_PROGRESS');
    await expect(missingCreation).rejects.toThrow(/JobCreationDate: required member missing/);
  });

  it('refuses a request member the model does not have (the real serializer would drop it before AWS saw it)', async () => {
    const iam = iamAnswering({});
    const input = { UserName: 'alice', AccessKeyId: 'AKIAEXAMPLE000000000', Status: 'Inactive', Reason: 'unused' } as never;

    await expect(iam.send(new UpdateAccessKeyCommand(input))).rejects.toThrow(
      /request .*Reason: UpdateAccessKeyRequest has no member Reason/,
    );
  });

  it('lets a response that fits the model through', async () => {
    const summary = await iamAnswering({ SummaryMap: { Users: 3 } }).send(new GetAccountSummaryCommand({}));

    expect(summary.SummaryMap).toEqual({ Users: 3 });
  });
});
