import { manualControl } from '../shared/manual';

export const iamUserPolicies = manualControl({
  id: 'iam-user-policies',
  title: 'IAM users: permissions through groups or roles, not attached policies',
  cisRefs: ['1.2.0/1.16', '3.0.0/1.15', '5.0.0/1.14'],
  resourceTypes: ['AwsIamUser'],
  why: "detaching a user's policies revokes access at once; moving them to a group or role is a design decision",
  steps: {
    'IAM.2':
      "1) Create (or pick) a group with the user's policies. 2) Add the user to it and check their access still works. " +
      '3) Detach the managed policies (DetachUserPolicy) and delete the inline ones (DeleteUserPolicy).',
  },
});

export default iamUserPolicies;
