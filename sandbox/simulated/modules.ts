import { cloudTrailEventsModule } from './cloudtrail';
import { cloudFrontModule } from './cloudfront';
import { s3AccessPointsModule } from './s3-access-points';
import { ec2InstancesModule } from './ec2-instances';
import { ec2SecurityGroupsModule } from './ec2-security-groups';
import { ec2VpcModule } from './ec2-vpc';
import { iamModule } from './iam';
import { passwordPolicyModule } from './iam-password-policy';
import { s3AccountPublicAccessBlockModule, s3BucketsModule } from './s3';
import type { ServiceModule } from './service';
import { cloudTrailTrailsModule } from './cloudtrail-trails';
import { cloudWatchAlarmsModule, cloudWatchLogsModule, snsTopicsModule } from './cloudwatch';
import { cloudWatchMetricsModule } from './cloudwatch-metrics';
import { kmsModule } from './kms';
import { s3LoggingModule } from './s3-logging';
import { securityHubControlsModule } from './securityhub-controls';

/** Every per-account slice of the simulated account. Adding a simulated resource: one module, one line here. */
export const serviceModules: readonly ServiceModule[] = [
  iamModule,
  cloudTrailEventsModule,
  ec2InstancesModule,
  ec2VpcModule,
  passwordPolicyModule,
  cloudTrailTrailsModule,
  kmsModule,
  cloudWatchLogsModule,
  cloudWatchAlarmsModule,
  snsTopicsModule,
  s3LoggingModule,
  ec2SecurityGroupsModule,
  s3BucketsModule,
  s3AccountPublicAccessBlockModule,
  cloudWatchMetricsModule,
  securityHubControlsModule,
  cloudFrontModule,
  s3AccessPointsModule,
] as readonly ServiceModule[];
