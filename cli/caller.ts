import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { requesterFromCallerArn, type Requester } from '../functions/findings/requester';
import { clientSettings, type AwsOptions } from './aws';

/**
 * Who the operator's credentials say they are (sts:GetCallerIdentity needs no permission): recorded in the input of a
 * run the CLI starts, so that person cannot approve it. For an IAM Identity Center session the ARN ends in the user name.
 */
export const callerRequester = async (options: AwsOptions, region: string): Promise<Requester> => {
  const sts = new STSClient(clientSettings(options, region));
  try {
    const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
    if (!Arn) throw new Error('sts:GetCallerIdentity returned no ARN');
    return requesterFromCallerArn(Arn);
  } finally {
    sts.destroy();
  }
};

/** The batch's `requestedBy` label (at most 100 characters): the command and the person, when the ARN names one. */
export const requestedByLabel = (command: string, requester: Requester | undefined): string =>
  `${command}${requester?.userName ? ` by ${requester.userName}` : ''}`.slice(0, 100);
