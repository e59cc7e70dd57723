// Written by `npm run controls:index` from the folders of functions/controls/ that hold a definition.ts: do not edit.
import cloudtrail from './cloudtrail/definition';
import cloudtrailBucketPublicAccess from './cloudtrail-bucket-public-access/definition';
import cloudwatchCisAlarms from './cloudwatch-cis-alarms/definition';
import defaultSecurityGroup from './default-security-group/definition';
import ebsDefaultEncryption from './ebs-default-encryption/definition';
import ec2Imdsv2 from './ec2-imdsv2/definition';
import iamAccessKeys from './iam-access-keys/definition';
import iamAdminPolicies from './iam-admin-policies/definition';
import iamPasswordExpiry from './iam-password-expiry/definition';
import iamPasswordPolicy from './iam-password-policy/definition';
import iamUserMfa from './iam-user-mfa/definition';
import iamUserPolicies from './iam-user-policies/definition';
import kmsKeyRotation from './kms-key-rotation/definition';
import networkAclAdminPorts from './network-acl-admin-ports/definition';
import rootAccountCredentials from './root-account-credentials/definition';
import s3PublicAccess from './s3-public-access/definition';
import s3SecureTransport from './s3-secure-transport/definition';
import securityGroupAdminPorts from './security-group-admin-ports/definition';
import vpcFlowLogs from './vpc-flow-logs/definition';
import type { ControlPlugin } from './types';

/** The definition of every control folder, in folder order. */
export const definitions: readonly ControlPlugin[] = [
  cloudtrail,
  cloudtrailBucketPublicAccess,
  cloudwatchCisAlarms,
  defaultSecurityGroup,
  ebsDefaultEncryption,
  ec2Imdsv2,
  iamAccessKeys,
  iamAdminPolicies,
  iamPasswordExpiry,
  iamPasswordPolicy,
  iamUserMfa,
  iamUserPolicies,
  kmsKeyRotation,
  networkAclAdminPorts,
  rootAccountCredentials,
  s3PublicAccess,
  s3SecureTransport,
  securityGroupAdminPorts,
  vpcFlowLogs,
];
