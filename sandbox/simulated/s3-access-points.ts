import * as z from 'zod';
import { arnPrefix } from './partitions';
import { defineModule, SimulatedServiceError, type SimContext } from './service';

/** S3 access points of the account (S3ControlClient): ListAccessPoints filtered by bucket, and each one's policy status. */
const accessPoint = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$/),
  bucket: z.string(),
  region: z.string().default('us-east-1'),
  networkOrigin: z.enum(['Internet', 'VPC']).default('Internet'),
  vpcId: z.string().optional(),
  publicPolicy: z.boolean().default(false).describe('Whether the access point policy grants everyone access (GetAccessPointPolicyStatus)'),
});

type AccessPointState = z.infer<typeof accessPoint>;

export const s3AccessPointsModule = defineModule({
  key: 's3AccessPoints',
  clientName: 'S3ControlClient',
  fixture: z.array(accessPoint).default([]),
  load: (fixture): AccessPointState[] => fixture.map((a) => ({ ...a })),
  commands: (state) => {
    const own = (input: Record<string, unknown>, ctx: SimContext): AccessPointState[] => {
      if (input.AccountId !== ctx.accountId) throw new SimulatedServiceError('AccessDenied', 'Access Denied');
      return state(ctx.accountId).filter((a) => a.region === ctx.region);
    };
    return {
      ListAccessPoints: (input, ctx) => ({
        AccessPointList: own(input, ctx)
          .filter((a) => !input.Bucket || a.bucket === input.Bucket)
          .map((a) => ({
            Name: a.name,
            NetworkOrigin: a.networkOrigin,
            ...(a.vpcId ? { VpcConfiguration: { VpcId: a.vpcId } } : {}),
            Bucket: a.bucket,
            AccessPointArn: `${arnPrefix(a.region)}s3:${a.region}:${ctx.accountId}:accesspoint/${a.name}`,
            BucketAccountId: ctx.accountId,
          })),
      }),
      GetAccessPointPolicyStatus: (input, ctx) => {
        const found = own(input, ctx).find((a) => a.name === input.Name);
        if (!found) throw new SimulatedServiceError('NoSuchAccessPoint', 'The specified accesspoint does not exist');
        return { PolicyStatus: { IsPublic: found.publicPolicy } };
      },
    };
  },
});
