import { manualControl } from '../shared/manual';

export const iamAdminPolicies = manualControl({
  id: 'iam-admin-policies',
  title: 'IAM policies: no full "*:*" administrative privileges',
  cisRefs: ['1.2.0/1.22', '1.4.0/1.16'],
  resourceTypes: ['AwsIamPolicy'],
  why: 'narrowing admin rights needs to know what its users do; a guess breaks pipelines and break-glass access',
  steps: {
    'IAM.1':
      '1) List who has the policy (ListEntitiesForPolicy). 2) Learn what they use (last-accessed data, Access Analyzer policy ' +
      'generation). 3) Set a least-privilege policy version as default; keep the old one to roll back.',
  },
});

export default iamAdminPolicies;
