import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { ClientFactory, Target } from '../../platform/clients';

export interface EnabledRegions {
  regions: string[];
  /** Set when the list could not be read: only the target's region is in `regions`, and this says why. */
  unreadable?: string;
}

/**
 * The regions enabled for the target's account (DescribeRegions, AllRegions=false): where any credential of the account
 * can be used. An opt-in region the account has not enabled refuses every call, so it is no blind spot.
 */
export const enabledRegions = async (clients: ClientFactory, target: Target): Promise<EnabledRegions> => {
  try {
    const { Regions } = await clients.at(EC2Client, target).send(new DescribeRegionsCommand({ AllRegions: false }));
    const regions = (Regions ?? []).map((r) => r.RegionName as string).filter(Boolean);
    return { regions: regions.includes(target.region) ? regions : [target.region, ...regions] };
  } catch (error) {
    if (/^(Invalid|Validation)/.test((error as Error).name)) throw error;
    return { regions: [target.region], unreadable: `${(error as Error).name}: ${(error as Error).message}` };
  }
};
