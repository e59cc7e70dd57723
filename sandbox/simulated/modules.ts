import { cloudTrailEventsModule } from './cloudtrail';
import { ec2InstancesModule } from './ec2-instances';
import { ec2VpcModule } from './ec2-vpc';
import { iamModule } from './iam';
import { passwordPolicyModule } from './iam-password-policy';
import type { ServiceModule } from './service';

/** Every per-account slice of the simulated account. Adding a simulated resource: one module, one line here. */
export const serviceModules: readonly ServiceModule[] = [iamModule, cloudTrailEventsModule, ec2InstancesModule, ec2VpcModule, passwordPolicyModule] as readonly ServiceModule[];
