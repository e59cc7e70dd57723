import { manualControl } from '../shared/manual';

export const iamPasswordExpiry = manualControl({
  id: 'iam-password-expiry',
  title: 'IAM password policy: password expiry',
  cisRefs: ['1.2.0/1.11'],
  resourceTypes: ['AwsAccount'],
  why: 'expiry makes users with older passwords change them at next sign-in; HardExpiry locks them out',
  steps: {
    'IAM.10':
      '1) Confirm PCI DSS applies to this account. 2) Tell IAM users first. 3) IAM, Account settings: maximum password age 90 days ' +
      '(hubfix already sets length, characters and reuse); leave HardExpiry off.',
    'IAM.17':
      '1) Decide whether expiry is required (CIS 1.4.0+ and NIST SP 800-63B dropped periodic rotation). 2) Tell IAM users first. ' +
      '3) IAM, Account settings: maximum password age 90 days or less; leave "administrator reset" (HardExpiry) off.',
  },
});

export default iamPasswordExpiry;
