/**
 * The CIS AWS Foundations Benchmark log metric filters, exactly as the Security Hub user guide prescribes
 * them for CloudWatch.1-14 ("This control fails if the exact metric filters prescribed by CIS are not
 * used. Additional fields or terms cannot be added"). Metric names follow the guide's alarm examples.
 */
export interface CisMetricFilter {
  metricName: string;
  pattern: string;
  /** Earlier benchmark wordings of the same filter that Security Hub also accepted. */
  alsoAccepted?: string[];
}

export const CIS_METRIC_FILTERS: Readonly<Record<string, CisMetricFilter>> = {
  'CloudWatch.1': {
    metricName: 'RootAccountUsage',
    pattern: '{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}',
  },
  'CloudWatch.2': {
    metricName: 'UnauthorizedAPICalls',
    pattern: '{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}',
  },
  'CloudWatch.3': {
    metricName: 'ConsoleSigninWithoutMFA',
    pattern:
      '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ' +
      '($.responseElements.ConsoleLogin = "Success") }',
    alsoAccepted: ['{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }'],
  },
  'CloudWatch.4': {
    metricName: 'IAMPolicyChanges',
    pattern:
      '{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || ' +
      '($.eventName=PutGroupPolicy) || ' +
      '($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ' +
      '($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ' +
      '($.eventName=DetachRolePolicy) || ' +
      '($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || ' +
      '($.eventName=DetachGroupPolicy)}',
  },
  'CloudWatch.5': {
    metricName: 'CloudTrailChanges',
    pattern:
      '{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || ($.eventName=StartLogging) || ' +
      '($.eventName=StopLogging)}',
  },
  'CloudWatch.6': {
    metricName: 'ConsoleAuthenticationFailure',
    pattern: '{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}',
  },
  'CloudWatch.7': {
    metricName: 'DisableOrDeleteCMK',
    pattern: '{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}',
  },
  'CloudWatch.8': {
    metricName: 'S3BucketPolicyChanges',
    pattern:
      '{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || ($.eventName=PutBucketPolicy) || ' +
      '($.eventName=PutBucketCors) || ' +
      '($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || ($.eventName=DeleteBucketPolicy) || ' +
      '($.eventName=DeleteBucketCors) || ' +
      '($.eventName=DeleteBucketLifecycle) || ($.eventName=DeleteBucketReplication))}',
  },
  'CloudWatch.9': {
    metricName: 'AWSConfigChanges',
    pattern:
      '{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder) || ($.eventName=DeleteDeliveryChannel) || ' +
      '($.eventName=PutDeliveryChannel) || ($.eventName=PutConfigurationRecorder))}',
  },
  'CloudWatch.10': {
    metricName: 'SecurityGroupChanges',
    pattern:
      '{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress) || ' +
      '($.eventName=RevokeSecurityGroupIngress) || ' +
      '($.eventName=RevokeSecurityGroupEgress) || ($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}',
  },
  'CloudWatch.11': {
    metricName: 'NetworkACLChanges',
    pattern:
      '{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || ($.eventName=DeleteNetworkAcl) || ' +
      '($.eventName=DeleteNetworkAclEntry) || ' +
      '($.eventName=ReplaceNetworkAclEntry) || ($.eventName=ReplaceNetworkAclAssociation)}',
  },
  'CloudWatch.12': {
    metricName: 'NetworkGatewayChanges',
    pattern:
      '{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || ($.eventName=AttachInternetGateway) || ' +
      '($.eventName=CreateInternetGateway) || ($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}',
  },
  'CloudWatch.13': {
    metricName: 'RouteTableChanges',
    pattern:
      '{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || ($.eventName=ReplaceRoute) || ' +
      '($.eventName=ReplaceRouteTableAssociation) || ' +
      '($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || ($.eventName=DisassociateRouteTable)}',
  },
  'CloudWatch.14': {
    metricName: 'VPCChanges',
    pattern:
      '{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || ($.eventName=ModifyVpcAttribute) || ' +
      '($.eventName=AcceptVpcPeeringConnection) || ' +
      '($.eventName=CreateVpcPeeringConnection) || ($.eventName=DeleteVpcPeeringConnection) || ' +
      '($.eventName=RejectVpcPeeringConnection) || ' +
      '($.eventName=AttachClassicLinkVpc) || ($.eventName=DetachClassicLinkVpc) || ($.eventName=DisableVpcClassicLink) || ' +
      '($.eventName=EnableVpcClassicLink)}',
  },
};

/** Whitespace outside quoted values carries no meaning in a filter pattern; everything else must match exactly. */
const canonical = (pattern: string): string => pattern.replace(/"[^"]*"|\s+/g, (m) => (m.startsWith('"') ? m : ''));

export const isCisPattern = (filter: CisMetricFilter, pattern: string): boolean =>
  [filter.pattern, ...(filter.alsoAccepted ?? [])].some((p) => canonical(p) === canonical(pattern));
