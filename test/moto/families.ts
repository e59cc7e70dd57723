import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogGroupCommand, DescribeMetricFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CloudTrailClient,
  CreateTrailCommand,
  DescribeTrailsCommand,
  GetTrailStatusCommand,
  StartLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkAclCommand,
  CreateNetworkAclEntryCommand,
  CreateSecurityGroupCommand,
  CreateVpcCommand,
  DescribeFlowLogsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeNetworkAclsCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  EC2Client,
  GetEbsEncryptionByDefaultCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  GetAccountPasswordPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  UpdateAccountPasswordPolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateKeyCommand, GetKeyRotationStatusCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  GetBucketAclCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand as GetPublicAccessBlockS3Command,
  PutBucketPolicyCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetPublicAccessBlockCommand, PutPublicAccessBlockCommand, S3ControlClient } from '@aws-sdk/client-s3-control';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import type { ClientFactory } from '../../functions/platform/clients';
import { accountResource } from '../support/finding-ref';
import { member, MEMBER_ACCOUNT, REGION, type FamilyCase } from './differential';

/**
 * One case per control family (functions/controls/<family>/): the same starting state in moto (SDK calls) and in the
 * simulation (fixture), and the SDK reads whose answers must match at the end. Seeds are small on purpose: each holds
 * the state the family's remediation changes, so both backends take the change path.
 */

const absentAs = async <T>(read: () => Promise<T>, absent: string[]): Promise<T | { absent: string }> => {
  try {
    return await read();
  } catch (error) {
    if (absent.includes((error as Error).name)) return { absent: (error as Error).name };
    throw error;
  }
};

const ec2 = (clients: ClientFactory) => clients.at(EC2Client, member);

const manual = (family: string, controlId: string, resource = accountResource(MEMBER_ACCOUNT)): FamilyCase => ({
  family,
  controlId,
  resource,
});

const later =
  (days: number): (() => Date) =>
  () =>
    new Date(Date.now() + days * 86_400_000);

export const FAMILIES: readonly FamilyCase[] = [
  {
    family: 'iam-password-policy',
    controlId: 'IAM.15',
    seed: async (clients) => {
      await clients
        .at(IAMClient, member)
        .send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 8, RequireNumbers: true, AllowUsersToChangePassword: true }));
      return { resource: accountResource(MEMBER_ACCOUNT), ids: {} };
    },
    fixture: () => ({ passwordPolicy: { minimumPasswordLength: 8, requireNumbers: true, allowUsersToChangePassword: true } }),
    read: async (clients) =>
      absentAs(async () => {
        const policy = (await clients.at(IAMClient, member).send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy;
        // moto answers MaxPasswordAge 0 and HardExpiry false for settings never set; AWS leaves them out (docs/moto-divergences.md).
        const { MaxPasswordAge, HardExpiry, ...rest } = policy ?? {};
        return { ...rest, ...(MaxPasswordAge ? { MaxPasswordAge } : {}), ...(HardExpiry ? { HardExpiry } : {}) };
      }, ['NoSuchEntityException']),
  },
  {
    family: 'kms-key-rotation',
    controlId: 'KMS.4',
    seed: async (clients) => {
      const { KeyMetadata } = await clients.at(KMSClient, member).send(new CreateKeyCommand({ Description: 'orders' }));
      const keyId = String(KeyMetadata?.KeyId);
      return { resource: { type: 'AwsKmsKey', id: String(KeyMetadata?.Arn) }, ids: { keyId } };
    },
    fixture: ({ ids }) => ({ kms: { keys: [{ keyId: ids.keyId, description: 'orders' }] } }),
    read: async (clients, { ids }) => {
      const status = await clients.at(KMSClient, member).send(new GetKeyRotationStatusCommand({ KeyId: ids.keyId }));
      return { KeyRotationEnabled: status.KeyRotationEnabled };
    },
  },
  {
    family: 's3-secure-transport',
    controlId: 'S3.5',
    seed: async (clients) => {
      const s3 = clients.at(S3Client, member);
      await s3.send(new CreateBucketCommand({ Bucket: 'reports-archive' }));
      await s3.send(new PutBucketPolicyCommand({ Bucket: 'reports-archive', Policy: JSON.stringify(AUDITORS_POLICY) }));
      return { resource: { type: 'AwsS3Bucket', id: 'arn:aws:s3:::reports-archive' }, ids: {} };
    },
    fixture: () => ({ s3: { buckets: [{ name: 'reports-archive', policy: AUDITORS_POLICY }] } }),
    read: async (clients) =>
      absentAs(async () => {
        const { Policy } = await clients.at(S3Client, member).send(new GetBucketPolicyCommand({ Bucket: 'reports-archive' }));
        return JSON.parse(String(Policy)) as unknown;
      }, ['NoSuchBucketPolicy']),
  },
  {
    family: 's3-public-access',
    controlId: 'S3.1',
    seed: async (clients) => {
      await clients.at(S3ControlClient, member).send(
        new PutPublicAccessBlockCommand({
          AccountId: MEMBER_ACCOUNT,
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            IgnorePublicAcls: false,
            BlockPublicPolicy: false,
            RestrictPublicBuckets: false,
          },
        }),
      );
      return { resource: accountResource(MEMBER_ACCOUNT), ids: {} };
    },
    fixture: () => ({ s3Control: { publicAccessBlock: { blockPublicAcls: true } } }),
    read: async (clients) =>
      absentAs(
        async () =>
          (await clients.at(S3ControlClient, member).send(new GetPublicAccessBlockCommand({ AccountId: MEMBER_ACCOUNT })))
            .PublicAccessBlockConfiguration,
        ['NoSuchPublicAccessBlockConfiguration'],
      ),
  },
  {
    family: 'ebs-default-encryption',
    controlId: 'EC2.7',
    seed: async () => ({ resource: accountResource(MEMBER_ACCOUNT), ids: {} }),
    fixture: () => ({}),
    read: async (clients) => ({
      EbsEncryptionByDefault: (await ec2(clients).send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault,
    }),
  },
  {
    family: 'security-group-admin-ports',
    controlId: 'EC2.53',
    seed: async (clients) => {
      const vpcs = await ec2(clients).send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
      const vpcId = String(vpcs.Vpcs?.[0]?.VpcId);
      const { GroupId } = await ec2(clients).send(
        new CreateSecurityGroupCommand({ GroupName: 'bastion', Description: 'bastion', VpcId: vpcId }),
      );
      await ec2(clients).send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        }),
      );
      const groupId = String(GroupId);
      return {
        resource: { type: 'AwsEc2SecurityGroup', id: `arn:aws:ec2:${REGION}:${MEMBER_ACCOUNT}:security-group/${groupId}` },
        ids: { groupId, vpcId, ...(await ruleIds(clients, groupId)) },
      };
    },
    fixture: ({ ids }) => ({
      ec2Network: {
        securityGroups: [
          {
            groupId: ids.groupId,
            groupName: 'bastion',
            description: 'bastion',
            vpcId: ids.vpcId,
            ingress: [{ ruleId: ids['ingress:0.0.0.0/0'], protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }],
            egress: [{ ruleId: ids['egress:0.0.0.0/0'], protocol: '-1', cidrIpv4: '0.0.0.0/0' }],
          },
        ],
      },
    }),
    read: async (clients, { ids }) => {
      const { SecurityGroups } = await ec2(clients).send(new DescribeSecurityGroupsCommand({ GroupIds: [ids.groupId] }));
      return SecurityGroups?.map((g) => ({ ingress: g.IpPermissions, egress: g.IpPermissionsEgress }));
    },
  },
  {
    family: 'iam-access-keys',
    controlId: 'IAM.3',
    // Keys moto creates are new; the controls see them 120 days later (both backends share the clock).
    now: later(120),
    seed: async (clients) => {
      const iam = clients.at(IAMClient, member);
      await iam.send(new CreateUserCommand({ UserName: 'ci-legacy' }));
      const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'ci-legacy' }));
      return {
        resource: { type: 'AwsIamUser', id: `arn:aws:iam::${MEMBER_ACCOUNT}:user/ci-legacy` },
        ids: { accessKeyId: String(AccessKey?.AccessKeyId), createDate: String(AccessKey?.CreateDate?.toISOString()) },
      };
    },
    fixture: ({ ids }) => ({
      iam: { users: [{ userName: 'ci-legacy', accessKeys: [{ accessKeyId: ids.accessKeyId, createDate: ids.createDate }] }] },
    }),
    read: async (clients) =>
      (await clients.at(IAMClient, member).send(new ListAccessKeysCommand({ UserName: 'ci-legacy' }))).AccessKeyMetadata?.map((k) => ({
        AccessKeyId: k.AccessKeyId,
        Status: k.Status,
      })),
  },
  {
    family: 'default-security-group',
    controlId: 'EC2.2',
    seed: async (clients) => {
      const { Vpc } = await ec2(clients).send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }));
      const vpcId = String(Vpc?.VpcId);
      const groups = await ec2(clients).send(
        new DescribeSecurityGroupsCommand({
          Filters: [
            { Name: 'vpc-id', Values: [vpcId] },
            { Name: 'group-name', Values: ['default'] },
          ],
        }),
      );
      const groupId = String(groups.SecurityGroups?.[0]?.GroupId);
      // AWS gives a new VPC's default group a rule admitting its own members; moto does not (docs/moto-divergences.md).
      await ec2(clients).send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: groupId }] }],
        }),
      );
      return {
        resource: {
          type: 'AwsEc2SecurityGroup',
          id: `arn:aws:ec2:${REGION}:${MEMBER_ACCOUNT}:security-group/${groupId}`,
          details: { AwsEc2SecurityGroup: { GroupId: groupId, GroupName: 'default', VpcId: vpcId } },
        },
        ids: { groupId, vpcId, ...(await ruleIds(clients, groupId)) },
      };
    },
    fixture: ({ ids }) => ({
      ec2Vpc: { vpcs: [{ vpcId: ids.vpcId, cidrBlock: '10.20.0.0/16' }] },
      ec2Network: {
        securityGroups: [
          {
            groupId: ids.groupId,
            groupName: 'default',
            description: 'default VPC security group',
            vpcId: ids.vpcId,
            ingress: [{ ruleId: ids[`ingress:sg:${ids.groupId}`], protocol: '-1', referencedGroupId: ids.groupId }],
            egress: [{ ruleId: ids['egress:0.0.0.0/0'], protocol: '-1', cidrIpv4: '0.0.0.0/0' }],
          },
        ],
      },
    }),
    read: async (clients, { ids }) => groupRules(clients, ids.groupId),
  },
  {
    family: 'network-acl-admin-ports',
    controlId: 'EC2.21',
    seed: async (clients) => {
      const { Vpc } = await ec2(clients).send(new CreateVpcCommand({ CidrBlock: '10.30.0.0/16' }));
      const vpcId = String(Vpc?.VpcId);
      const { NetworkAcl } = await ec2(clients).send(new CreateNetworkAclCommand({ VpcId: vpcId }));
      const aclId = String(NetworkAcl?.NetworkAclId);
      await ec2(clients).send(
        new CreateNetworkAclEntryCommand({
          NetworkAclId: aclId,
          RuleNumber: 100,
          Protocol: '6',
          RuleAction: 'allow',
          Egress: false,
          CidrBlock: '0.0.0.0/0',
          PortRange: { From: 22, To: 22 },
        }),
      );
      return {
        resource: {
          type: 'AwsEc2NetworkAcl',
          id: `arn:aws:ec2:${REGION}:${MEMBER_ACCOUNT}:network-acl/${aclId}`,
          details: { AwsEc2NetworkAcl: { NetworkAclId: aclId, VpcId: vpcId } },
        },
        ids: { aclId, vpcId },
      };
    },
    fixture: ({ ids }) => ({
      ec2Vpc: { vpcs: [{ vpcId: ids.vpcId, cidrBlock: '10.30.0.0/16' }] },
      ec2Network: {
        networkAcls: [
          {
            networkAclId: ids.aclId,
            vpcId: ids.vpcId,
            entries: [{ ruleNumber: 100, protocol: '6', ruleAction: 'allow', cidrBlock: '0.0.0.0/0', portRange: { from: 22, to: 22 } }],
          },
        ],
      },
    }),
    read: async (clients, { ids }) => {
      const { NetworkAcls } = await ec2(clients).send(new DescribeNetworkAclsCommand({ NetworkAclIds: [ids.aclId] }));
      // The "*" entries (32767) cannot change; moto creates none and the simulation always adds IPv6 ones (docs/moto-divergences.md).
      return NetworkAcls?.[0]?.Entries?.filter((e) => e.RuleNumber !== 32767).map((e) => ({
        RuleNumber: e.RuleNumber,
        Protocol: e.Protocol,
        RuleAction: e.RuleAction,
        Egress: e.Egress,
        CidrBlock: e.CidrBlock,
        PortRange: e.PortRange && { From: e.PortRange.From, To: e.PortRange.To },
      }));
    },
  },
  {
    family: 'vpc-flow-logs',
    controlId: 'EC2.6',
    config: { flowLogs: { centralDestinations: ['arn:aws:s3:::secops-central-flow-logs'] } },
    seed: async (clients) => {
      const { Vpc } = await ec2(clients).send(new CreateVpcCommand({ CidrBlock: '10.40.0.0/16' }));
      const vpcId = String(Vpc?.VpcId);
      await clients.at(S3Client, member).send(new CreateBucketCommand({ Bucket: 'secops-central-flow-logs' }));
      return { resource: { type: 'AwsEc2Vpc', id: `arn:aws:ec2:${REGION}:${MEMBER_ACCOUNT}:vpc/${vpcId}` }, ids: { vpcId } };
    },
    fixture: ({ ids }) => ({ ec2Vpc: { vpcs: [{ vpcId: ids.vpcId, cidrBlock: '10.40.0.0/16' }] } }),
    read: async (clients, { ids }) => {
      const { FlowLogs } = await ec2(clients).send(new DescribeFlowLogsCommand({ Filter: [{ Name: 'resource-id', Values: [ids.vpcId] }] }));
      return FlowLogs?.map((f) => ({
        LogDestination: f.LogDestination,
        LogDestinationType: f.LogDestinationType,
        TrafficType: f.TrafficType,
      }));
    },
  },
  {
    family: 'ec2-imdsv2',
    controlId: 'EC2.8',
    seed: async (clients) => {
      const { Images } = await ec2(clients).send(new DescribeImagesCommand({ Owners: ['amazon'], MaxResults: 5 }));
      const { Instances } = await ec2(clients).send(
        new RunInstancesCommand({
          ImageId: String(Images?.[0]?.ImageId ?? 'ami-12c6146b'),
          MinCount: 1,
          MaxCount: 1,
          InstanceType: 't3.micro',
          MetadataOptions: { HttpTokens: 'optional', HttpEndpoint: 'enabled' },
        }),
      );
      const instanceId = String(Instances?.[0]?.InstanceId);
      return {
        resource: {
          type: 'AwsEc2Instance',
          id: `arn:aws:ec2:${REGION}:${MEMBER_ACCOUNT}:instance/${instanceId}`,
          details: { AwsEc2Instance: { MetadataOptions: { HttpTokens: 'optional', HttpEndpoint: 'enabled' } } },
        },
        ids: { instanceId },
      };
    },
    fixture: ({ ids }) => ({ instances: [{ instanceId: ids.instanceId, metadataOptions: { httpTokens: 'optional' } }] }),
    read: async (clients, { ids }) => {
      const { Reservations } = await ec2(clients).send(new DescribeInstancesCommand({ InstanceIds: [ids.instanceId] }));
      const options = Reservations?.[0]?.Instances?.[0]?.MetadataOptions;
      return { HttpTokens: options?.HttpTokens, HttpEndpoint: options?.HttpEndpoint };
    },
  },
  {
    family: 'cloudtrail-bucket-public-access',
    controlId: 'CloudTrail.6',
    seed: async (clients) => {
      await clients.at(S3Client, member).send(new CreateBucketCommand({ Bucket: 'workloads-trail-logs', ACL: 'public-read' }));
      await clients
        .at(CloudTrailClient, member)
        .send(new CreateTrailCommand({ Name: 'workloads-trail', S3BucketName: 'workloads-trail-logs' }));
      return { resource: { type: 'AwsS3Bucket', id: 'arn:aws:s3:::workloads-trail-logs' }, ids: {} };
    },
    fixture: () => ({
      trails: [
        {
          name: 'workloads-trail',
          s3BucketName: 'workloads-trail-logs',
          isMultiRegionTrail: false,
          logFileValidationEnabled: false,
          isLogging: false,
        },
      ],
      s3: { buckets: [{ name: 'workloads-trail-logs', acl: 'public-read' }] },
    }),
    read: async (clients) => bucketAccess(clients, 'workloads-trail-logs'),
  },
  {
    family: 'cloudtrail',
    controlId: 'CloudTrail.4',
    seed: async (clients) => {
      await clients.at(S3Client, member).send(new CreateBucketCommand({ Bucket: 'workloads-trail-logs' }));
      await clients
        .at(CloudTrailClient, member)
        .send(new CreateTrailCommand({ Name: 'workloads-trail', S3BucketName: 'workloads-trail-logs', IsMultiRegionTrail: true }));
      await clients.at(CloudTrailClient, member).send(new StartLoggingCommand({ Name: 'workloads-trail' }));
      return {
        resource: { type: 'AwsCloudTrailTrail', id: `arn:aws:cloudtrail:${REGION}:${MEMBER_ACCOUNT}:trail/workloads-trail` },
        ids: {},
      };
    },
    fixture: () => ({
      trails: [{ name: 'workloads-trail', s3BucketName: 'workloads-trail-logs', logFileValidationEnabled: false }],
      s3: { buckets: [{ name: 'workloads-trail-logs' }] },
    }),
    read: async (clients) => {
      const trail = clients.at(CloudTrailClient, member);
      const { trailList } = await trail.send(new DescribeTrailsCommand({ trailNameList: ['workloads-trail'] }));
      const status = await trail.send(new GetTrailStatusCommand({ Name: 'workloads-trail' }));
      return trailList?.map((t) => ({
        Name: t.Name,
        S3BucketName: t.S3BucketName,
        IsMultiRegionTrail: t.IsMultiRegionTrail,
        LogFileValidationEnabled: t.LogFileValidationEnabled,
        KmsKeyId: t.KmsKeyId,
        IsLogging: status.IsLogging,
      }));
    },
  },
  {
    family: 'cloudwatch-cis-alarms',
    controlId: 'CloudWatch.1',
    config: { alarms: { snsTopicArn: `arn:aws:sns:${REGION}:${MEMBER_ACCOUNT}:security-alarms` } },
    routeNotComparable:
      'moto never delivers trail events to CloudWatch Logs (GetTrailStatus has no LatestCloudWatchLogsDeliveryTime), ' +
      "so moto blocks CloudWatch.1 where the simulation (delivery 5 minutes ago) fixes it; the change path runs with the simulation's plan",
    seed: async (clients) => {
      const logGroupArn = `arn:aws:logs:${REGION}:${MEMBER_ACCOUNT}:log-group:workloads-trail:*`;
      await clients.at(CloudWatchLogsClient, member).send(new CreateLogGroupCommand({ logGroupName: 'workloads-trail' }));
      const sns = clients.at(SNSClient, member);
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'security-alarms' }));
      for (const queue of ['oncall', 'siem'])
        await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: `arn:aws:sqs:${REGION}:${MEMBER_ACCOUNT}:${queue}` }));
      await clients.at(S3Client, member).send(new CreateBucketCommand({ Bucket: 'workloads-trail-logs' }));
      const trail = clients.at(CloudTrailClient, member);
      await trail.send(
        new CreateTrailCommand({
          Name: 'workloads-trail',
          S3BucketName: 'workloads-trail-logs',
          IsMultiRegionTrail: true,
          CloudWatchLogsLogGroupArn: logGroupArn,
          CloudWatchLogsRoleArn: `arn:aws:iam::${MEMBER_ACCOUNT}:role/cloudtrail-to-logs`,
        }),
      );
      await trail.send(new StartLoggingCommand({ Name: 'workloads-trail' }));
      return { resource: accountResource(MEMBER_ACCOUNT), ids: { logGroupArn } };
    },
    fixture: ({ ids }) => ({
      trails: [
        {
          name: 'workloads-trail',
          s3BucketName: 'workloads-trail-logs',
          logFileValidationEnabled: false,
          cloudWatchLogsLogGroupArn: ids.logGroupArn,
          cloudWatchLogsRoleArn: `arn:aws:iam::${MEMBER_ACCOUNT}:role/cloudtrail-to-logs`,
          latestCloudWatchLogsDeliveryTime: 'now-5m',
        },
      ],
      logGroups: [{ name: 'workloads-trail' }],
      snsTopics: [{ name: 'security-alarms', confirmedSubscriptions: 2 }],
      s3: { buckets: [{ name: 'workloads-trail-logs' }] },
    }),
    read: async (clients) => {
      const { metricFilters } = await clients
        .at(CloudWatchLogsClient, member)
        .send(new DescribeMetricFiltersCommand({ logGroupName: 'workloads-trail' }));
      const { MetricAlarms } = await clients.at(CloudWatchClient, member).send(new DescribeAlarmsCommand({}));
      return {
        filters: metricFilters?.map((f) => ({ name: f.filterName, pattern: f.filterPattern, metrics: f.metricTransformations })),
        alarms: MetricAlarms?.map((a) => ({
          name: a.AlarmName,
          metric: `${a.Namespace}/${a.MetricName}`,
          threshold: a.Threshold,
          actions: a.AlarmActions,
        })),
      };
    },
  },
  manual('iam-admin-policies', 'IAM.1', { type: 'AwsIamPolicy', id: `arn:aws:iam::${MEMBER_ACCOUNT}:policy/admin-everything` }),
  manual('iam-password-expiry', 'IAM.17'),
  manual('iam-user-mfa', 'IAM.5', { type: 'AwsIamUser', id: `arn:aws:iam::${MEMBER_ACCOUNT}:user/alice` }),
  manual('iam-user-policies', 'IAM.2', { type: 'AwsIamUser', id: `arn:aws:iam::${MEMBER_ACCOUNT}:user/alice` }),
  manual('root-account-credentials', 'IAM.4'),
];

/**
 * The group's rule ids as moto made them, keyed `ingress:<source>` / `egress:<source>`: the fixture reuses them, so a plan
 * made on one backend names rules the other holds (moto cannot assess EC2.2/EC2.53, its change path runs the simulation's plan).
 */
const ruleIds = async (clients: ClientFactory, groupId: string): Promise<Record<string, string>> => {
  const { SecurityGroupRules } = await ec2(clients).send(
    new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }),
  );
  const entries = (SecurityGroupRules ?? []).map((r) => {
    const source = r.CidrIpv4 ?? r.CidrIpv6 ?? r.PrefixListId ?? `sg:${r.ReferencedGroupInfo?.GroupId}`;
    return [`${r.IsEgress ? 'egress' : 'ingress'}:${source}`, String(r.SecurityGroupRuleId)] as const;
  });
  if (new Set(entries.map(([key]) => key)).size !== entries.length) throw new Error(`Two rules of ${groupId} share a source`);
  return Object.fromEntries(entries);
};

const groupRules = async (clients: ClientFactory, groupId: string) => {
  const { SecurityGroups } = await ec2(clients).send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
  return SecurityGroups?.map((g) => ({ ingress: g.IpPermissions, egress: g.IpPermissionsEgress }));
};

/** A bucket's public access block and ACL grants (grantee URIs and permissions). */
const bucketAccess = async (clients: ClientFactory, bucket: string) => {
  const s3 = clients.at(S3Client, member);
  const block = await absentAs(
    async () => (await s3.send(new GetPublicAccessBlockS3Command({ Bucket: bucket }))).PublicAccessBlockConfiguration,
    ['NoSuchPublicAccessBlockConfiguration'],
  );
  const { Grants } = await s3.send(new GetBucketAclCommand({ Bucket: bucket }));
  return { block, grants: Grants?.filter((g) => g.Grantee?.Type === 'Group').map((g) => `${g.Grantee?.URI} ${g.Permission}`) };
};

const AUDITORS_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'AuditorsRead',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::333333333333:root' },
      Action: ['s3:GetObject'],
      Resource: ['arn:aws:s3:::reports-archive/*'],
    },
  ],
};
