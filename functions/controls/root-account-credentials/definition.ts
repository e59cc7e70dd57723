import { manualControl } from '../shared/manual';

export const rootAccountCredentials = manualControl({
  id: 'root-account-credentials',
  title: 'Root user: no access keys, MFA (hardware MFA)',
  cisRefs: [
    '1.2.0/1.12',
    '1.2.0/1.13',
    '1.2.0/1.14',
    '1.4.0/1.4',
    '1.4.0/1.5',
    '1.4.0/1.6',
    '3.0.0/1.4',
    '3.0.0/1.5',
    '3.0.0/1.6',
    '5.0.0/1.3',
    '5.0.0/1.4',
    '5.0.0/1.5',
  ],
  resourceTypes: ['AwsAccount'],
  why: 'only the root user can change its own credentials, and hubfix must never act as root',
  steps: {
    'IAM.4':
      '1) Find what uses the root access key (credential report: access_key_1_last_used_date; CloudTrail userIdentity.type=Root). ' +
      '2) Move that use to an IAM role. 3) Sign in as root, Security credentials: deactivate the key, wait, then delete it.',
    'IAM.6':
      '1) Sign in as root, Security credentials, Assign MFA device. 2) Register a FIDO security key or hardware TOTP token. ' +
      '3) Keep it in a safe with a named owner; then remove any virtual MFA device.',
    'IAM.9':
      '1) Sign in as root, Security credentials, Assign MFA device. 2) Register a security key (or an authenticator app on a device ' +
      'the account owners control). 3) For Organization member accounts, consider centralized root access instead.',
  },
});

export default rootAccountCredentials;
