import * as z from 'zod';
import { arnPrefix } from './partitions';
import { defineModule, SimulatedServiceError } from './service';

/**
 * CloudFront distributions (read-only): what the S3 controls read to find distributions whose origin is a bucket.
 * CloudFront is global: ListDistributions answers the account's distributions whatever the client's region, in
 * pages of MaxItems (default 100) with Marker / NextMarker, as CloudFront does.
 */
const origin = z.object({
  id: z.string().default('s3-origin'),
  domainName: z.string().describe('e.g. "my-bucket.s3.us-east-1.amazonaws.com" or a website endpoint'),
  originAccessControlId: z.string().optional().describe('Origin access control (OAC): CloudFront signs its requests'),
  originAccessIdentity: z.string().optional().describe('Legacy OAI, "origin-access-identity/cloudfront/E…"'),
  custom: z.boolean().default(false).describe('A custom origin (e.g. an S3 website endpoint) rather than an S3 origin'),
});

const distribution = z.object({
  id: z.string().regex(/^E[A-Z0-9]{5,20}$/),
  domainName: z.string().default('d111111abcdef8.cloudfront.net'),
  enabled: z.boolean().default(true),
  origins: z.array(origin).min(1),
  viewerProtocolPolicy: z.enum(['allow-all', 'redirect-to-https', 'https-only']).default('redirect-to-https'),
});

type DistributionState = z.infer<typeof distribution>;

const MAX_ITEMS = 100;

export const cloudFrontModule = defineModule({
  key: 'cloudFront',
  clientName: 'CloudFrontClient',
  fixture: z.object({ distributions: z.array(distribution).default([]) }).prefault({}),
  load: (fixture): DistributionState[] => fixture.distributions.map((d) => ({ ...d, origins: d.origins.map((o) => ({ ...o })) })),
  commands: (state) => ({
    ListDistributions: (input, ctx) => {
      const all = state(ctx.accountId);
      const maxItems = input.MaxItems === undefined ? MAX_ITEMS : Number(input.MaxItems);
      const start = input.Marker ? all.findIndex((d) => d.id === input.Marker) + 1 : 0;
      if (input.Marker && start === 0) throw new SimulatedServiceError('InvalidArgument', 'The marker is not valid');
      const page = all.slice(start, start + maxItems);
      const truncated = start + maxItems < all.length;
      return {
        DistributionList: {
          Marker: String(input.Marker ?? ''),
          MaxItems: maxItems,
          IsTruncated: truncated,
          ...(truncated ? { NextMarker: page[page.length - 1]?.id } : {}),
          Quantity: page.length,
          Items: page.map((d) => ({
            Id: d.id,
            ARN: `${arnPrefix(ctx.region)}cloudfront::${ctx.accountId}:distribution/${d.id}`,
            DomainName: d.domainName,
            Status: 'Deployed',
            Enabled: d.enabled,
            Origins: {
              Quantity: d.origins.length,
              Items: d.origins.map((o) => ({
                Id: o.id,
                DomainName: o.domainName,
                OriginPath: '',
                OriginAccessControlId: o.originAccessControlId ?? '',
                ...(o.custom
                  ? { CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'http-only' } }
                  : { S3OriginConfig: { OriginAccessIdentity: o.originAccessIdentity ?? '' } }),
              })),
            },
            DefaultCacheBehavior: { TargetOriginId: d.origins[0].id, ViewerProtocolPolicy: d.viewerProtocolPolicy },
            CacheBehaviors: { Quantity: 0, Items: [] },
          })),
        },
      };
    },
  }),
});
