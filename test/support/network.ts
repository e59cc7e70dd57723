import type { FindingRef } from '../../functions/findings/types';
import type { SimulatedAws } from '../../sandbox/simulated-aws';
import type { NetworkState } from '../../sandbox/simulated/ec2-security-groups';
import { findingRef } from './finding-ref';
import { HOME_ACCOUNT } from './workflow';

/** Ids shared by the network control tests and scenarios. */
export const SG_BASTION = 'sg-0b0000000000b0001';
export const SG_WEB = 'sg-0b0000000000b0002';
export const SG_DEFAULT = 'sg-0d0000000000d0001';
export const ACL = 'acl-0a0000000000a0001';
export const PROD_INSTANCE = 'i-0aaaaaaaaaaaaaaa1';
export const DEV_INSTANCE = 'i-0bbbbbbbbbbbbbbb2';

/** A FindingRef for a security group or network ACL in the home account. */
export const networkFinding = (controlId: string, resourceId: string): FindingRef => {
  const isAcl = resourceId.startsWith('acl-');
  const resource = {
    type: isAcl ? 'AwsEc2NetworkAcl' : 'AwsEc2SecurityGroup',
    id: `arn:aws:ec2:us-east-1:${HOME_ACCOUNT}:${isAcl ? 'network-acl' : 'security-group'}/${resourceId}`,
  };
  return findingRef(controlId, resource, { id: `finding-${controlId}-${resourceId}`, severity: 'HIGH' });
};

export const eni = (id: string, groups: string[], extra: Record<string, unknown> = {}) => ({ networkInterfaceId: id, groups, ...extra });

/** The simulated network state of the home account (for before/after checks and injected drift). */
export const networkOf = (sim: SimulatedAws, accountId = HOME_ACCOUNT): NetworkState =>
  sim.account(accountId).states.get('ec2Network') as NetworkState;

/** The rules of a group as the snapshot prints them ("tcp 22 0.0.0.0/0"). */
export const groupRules = (sim: SimulatedAws, groupId: string, accountId = HOME_ACCOUNT): { ingress: string[]; egress: string[] } =>
  (sim.snapshot()[accountId].ec2Network as Record<string, { ingress: string[]; egress: string[] }>)[`sg/${groupId}`];

export const aclEntries = (sim: SimulatedAws, aclId: string, accountId = HOME_ACCOUNT): string[] =>
  (sim.snapshot()[accountId].ec2Network as Record<string, string[]>)[`acl/${aclId}`];
