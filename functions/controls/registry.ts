import { iamAccessKeys } from './iam-access-keys';
import { iamPasswordPolicy } from './iam-password-policy';
import { manualOnlyPlugins } from './manual-only';
import { ebsDefaultEncryption } from './ebs-default-encryption';
import { vpcFlowLogs } from './vpc-flow-logs';
import { s3PublicAccess } from './s3-public-access';
import { s3SecureTransport } from './s3-secure-transport';
import { cloudTrail } from './cloudtrail';
import { cloudWatchCisAlarms } from './cloudwatch-alarms';
import { defaultSecurityGroup } from './default-security-group';
import { networkAclAdminPorts } from './network-acl-admin-ports';
import { securityGroupAdminPorts } from './security-group-admin-ports';
import { ec2Imdsv2 } from './ec2-imdsv2';
import { kmsKeyRotation } from './kms-key-rotation';
import type { ControlPlugin } from './types';

/** Every control hubfix knows. Adding a control: one plugin file, one test file, one line here. */
export const plugins: readonly ControlPlugin[] = [iamAccessKeys, ebsDefaultEncryption, iamPasswordPolicy, ...manualOnlyPlugins, vpcFlowLogs, s3PublicAccess, s3SecureTransport, cloudTrail, cloudWatchCisAlarms, securityGroupAdminPorts, defaultSecurityGroup, networkAclAdminPorts, ec2Imdsv2, kmsKeyRotation];

const bySecurityControlId = new Map(plugins.flatMap((plugin) => plugin.securityControlIds.map((id) => [id, plugin] as const)));

/** The plugin serving a Security Hub control id such as "IAM.3", if any. */
export const pluginFor = (controlId: string): ControlPlugin | undefined => bySecurityControlId.get(controlId);
