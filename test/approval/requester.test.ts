import { describeRequester, requesterFromCallerArn, requesterSchema } from '../../functions/findings/requester';

describe('the requester a caller ARN names', () => {
  it.each([
    ['arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_AdministratorAccess_0a1b2c3d/ana@example.com', 'ana@example.com'],
    ['arn:aws:sts::111111111111:assumed-role/deploy/ci-session', 'ci-session'],
    ['arn:aws:iam::111111111111:user/ops/bo', 'bo'],
    ['arn:aws-us-gov:iam::111111111111:user/carol', 'carol'],
  ])('%s names %s', (arn, userName) => {
    expect(requesterFromCallerArn(arn)).toEqual({ arn, userName });
  });

  it.each(['arn:aws:iam::111111111111:root', 'arn:aws:sts::111111111111:federated-user/bob'])('%s names nobody to compare', (arn) => {
    expect(requesterFromCallerArn(arn)).toEqual({ arn });
  });
});

describe('the execution input requestedBy', () => {
  it.each([
    [{ arn: 'arn:aws:sts::111111111111:assumed-role/r/ana', userName: 'ana' }, true],
    [{ issuer: 'https://idp.example.com', subject: 'ana', email: 'ana@example.com' }, true],
    [{ issuer: 'https://idp.example.com' }, false],
    [{ email: 'ana@example.com' }, false],
    [{ arn: 'not-an-arn' }, false],
    [{ arn: 'arn:aws:sts::111111111111:assumed-role/r/ana', admin: true }, false],
    ['ana', false],
  ])('%j is accepted: %s', (value, ok) => {
    expect(requesterSchema.safeParse(value).success).toBe(ok);
  });

  it('is described truthfully, including when nobody is known', () => {
    expect(describeRequester(undefined, 'custom-action')).toBe(
      'Requested from Security Hub; the requester is not known (a custom action carries no identity).',
    );
    expect(describeRequester(undefined, 'imported')).toContain('no person requested this run');
    expect(describeRequester(requesterFromCallerArn('arn:aws:iam::111111111111:user/bo'), 'custom-action')).toBe(
      'Requested by bo (AWS caller arn:aws:iam::111111111111:user/bo).',
    );
  });
});
