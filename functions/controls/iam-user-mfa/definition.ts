import { manualControl } from '../shared/manual';

export const iamUserMfa = manualControl({
  id: 'iam-user-mfa',
  title: 'IAM users: MFA for console and all users',
  cisRefs: ['1.2.0/1.2', '1.4.0/1.10', '3.0.0/1.10', '5.0.0/1.9'],
  resourceTypes: ['AwsIamUser'],
  why: 'users register MFA on their own device; hubfix could only delete the password, locking the user out',
  steps: {
    'IAM.5':
      '1) Ask the user to sign in and assign an MFA device (Security credentials). 2) If they need no console, check ' +
      'password_last_used (credential report) and delete the password. 3) Prefer IAM Identity Center.',
    'IAM.19':
      '1) Ask the user to assign an MFA device (Security credentials). 2) If the user is unused, check the credential report and ' +
      'remove its password and keys. 3) Enforce MFA with an IAM policy condition aws:MultiFactorAuthPresent.',
  },
});

export default iamUserMfa;
