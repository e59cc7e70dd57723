// Written by `npm run controls:index` from the folders of functions/controls/ that hold a definition.ts: do not edit.
import type { ControlPlugin } from './types';

/** Each control folder's definition, loaded on first use. */
export const controlLoaders: Readonly<Record<string, () => Promise<{ default: ControlPlugin }>>> = {
  cloudtrail: () => import('./cloudtrail/definition'),
  'cloudtrail-bucket-public-access': () => import('./cloudtrail-bucket-public-access/definition'),
  'cloudwatch-cis-alarms': () => import('./cloudwatch-cis-alarms/definition'),
  'default-security-group': () => import('./default-security-group/definition'),
  'ebs-default-encryption': () => import('./ebs-default-encryption/definition'),
  'ec2-imdsv2': () => import('./ec2-imdsv2/definition'),
  'iam-access-keys': () => import('./iam-access-keys/definition'),
  'iam-admin-policies': () => import('./iam-admin-policies/definition'),
  'iam-password-expiry': () => import('./iam-password-expiry/definition'),
  'iam-password-policy': () => import('./iam-password-policy/definition'),
  'iam-user-mfa': () => import('./iam-user-mfa/definition'),
  'iam-user-policies': () => import('./iam-user-policies/definition'),
  'kms-key-rotation': () => import('./kms-key-rotation/definition'),
  'network-acl-admin-ports': () => import('./network-acl-admin-ports/definition'),
  'root-account-credentials': () => import('./root-account-credentials/definition'),
  's3-public-access': () => import('./s3-public-access/definition'),
  's3-secure-transport': () => import('./s3-secure-transport/definition'),
  'security-group-admin-ports': () => import('./security-group-admin-ports/definition'),
  'vpc-flow-logs': () => import('./vpc-flow-logs/definition'),
};
