import { CloudFrontClient, ListDistributionsCommand, type DistributionSummary } from '@aws-sdk/client-cloudfront';
import { GetAccessPointPolicyStatusCommand, ListAccessPointsCommand, S3ControlClient, type AccessPoint } from '@aws-sdk/client-s3-control';
import { partitionOf, type ClientFactory, type Target } from '../../platform/clients';
import type { Evidence } from '../../findings/types';
import { inRegion, NOW, readSignal } from './signals';

/** Who reaches a bucket other than through the bucket itself: CloudFront distributions and S3 access points. */

/** One CloudFront origin that is the bucket. */
export interface BucketOrigin {
  distributionId: string;
  domainName: string;
  /** The website endpoint (HTTP only) rather than the REST endpoint. */
  website: boolean;
  /** Signed by an origin access control or identity: CloudFront reads as its own principal, not anonymously. */
  signed: boolean;
  /** A cache behavior of this origin lets viewers use HTTP: for a REST origin CloudFront then fetches over HTTP too. */
  viewerHttp: boolean;
}

/** CloudFront is global, served from one region per partition; GovCloud does not offer it. */
const CLOUDFRONT_REGION: Readonly<Record<string, string>> = { aws: 'us-east-1', 'aws-cn': 'cn-northwest-1' };

/** "bucket.s3.amazonaws.com", "bucket.s3.eu-west-1.amazonaws.com", "bucket.s3-website-us-east-1.amazonaws.com", ….com.cn */
const originOf = (domainName: string, bucket: string): { website: boolean } | undefined => {
  const d = domainName.toLowerCase();
  if (!d.startsWith(`${bucket}.s3`) || !/\.amazonaws\.com(\.cn)?$/.test(d)) return undefined;
  return { website: d.startsWith(`${bucket}.s3-website`) };
};

const originsIn = (distribution: DistributionSummary, bucket: string): BucketOrigin[] => {
  const behaviors = [distribution.DefaultCacheBehavior, ...(distribution.CacheBehaviors?.Items ?? [])].filter((b) => b !== undefined);
  return (distribution.Origins?.Items ?? []).flatMap((o) => {
    const match = originOf(o.DomainName ?? '', bucket);
    if (!match) return [];
    return [
      {
        distributionId: distribution.Id ?? '',
        domainName: distribution.DomainName ?? '',
        website: match.website,
        signed: Boolean(o.OriginAccessControlId) || Boolean(o.S3OriginConfig?.OriginAccessIdentity),
        viewerHttp: behaviors.some((b) => b.TargetOriginId === o.Id && b.ViewerProtocolPolicy === 'allow-all'),
      },
    ];
  });
};

const describeOrigin = (o: BucketOrigin): string =>
  `distribution ${o.distributionId} (${o.domainName}) through the ${o.website ? 'website endpoint' : 'REST endpoint'}, ` +
  `${o.signed ? 'signed by an origin access control/identity' : 'unsigned (anonymous reads)'}` +
  `${o.viewerHttp ? ', viewers may use HTTP' : ''}`;

/** Every CloudFront distribution of the account whose origin is the bucket (cloudfront:ListDistributions, all pages). */
export const cloudFrontOrigins = async (
  clients: ClientFactory,
  target: Target,
  bucket: string,
): Promise<{ evidence: Evidence[]; origins: BucketOrigin[] }> => {
  const partition = partitionOf(target.region);
  const region = CLOUDFRONT_REGION[partition];
  const source = 'cloudfront:ListDistributions';
  const where = `account ${target.accountId}, CloudFront (global, ${partition})`;
  if (!region) {
    const fact = `CloudFront is not offered in ${partition}: no distribution of this account can use ${bucket} as an origin.`;
    return { evidence: [{ fact, source, where, window: NOW }], origins: [] };
  }
  const read = await readSignal({ what: `the CloudFront distributions using ${bucket}`, source, where, window: NOW }, async () => {
    const cloudFront = clients.at(CloudFrontClient, { accountId: target.accountId, region });
    const found: BucketOrigin[] = [];
    let Marker: string | undefined;
    do {
      const list = (await cloudFront.send(new ListDistributionsCommand({ Marker }))).DistributionList;
      found.push(...(list?.Items ?? []).flatMap((d) => originsIn(d, bucket)));
      Marker = list?.IsTruncated ? list.NextMarker : undefined;
    } while (Marker);
    return found;
  });
  if (!read.seen) return { evidence: [read.evidence], origins: [] };
  const origins = read.value;
  const fact =
    origins.length === 0
      ? `No CloudFront distribution of account ${target.accountId} has ${bucket} as an origin.`
      : `${bucket} is the origin of CloudFront ${origins.map(describeOrigin).join('; ')}.`;
  return { evidence: [{ fact, source, where, window: NOW }], origins };
};

/** The bucket's access points and which of them are reachable from the internet with a public policy. */
export const accessPointsOf = async (
  clients: ClientFactory,
  target: Target,
  bucket: string,
): Promise<{ evidence: Evidence[]; publicPoints: string[] }> => {
  const source = 's3control:ListAccessPoints, s3control:GetAccessPointPolicyStatus';
  const where = inRegion(target.accountId, target.region);
  const read = await readSignal({ what: `the access points of ${bucket}`, source, where, window: NOW }, async () => {
    const s3control = clients.at(S3ControlClient, target);
    const points: AccessPoint[] = [];
    let NextToken: string | undefined;
    do {
      const page = await s3control.send(new ListAccessPointsCommand({ AccountId: target.accountId, Bucket: bucket, NextToken }));
      points.push(...(page.AccessPointList ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    const publicPoints: string[] = [];
    for (const point of points.filter((p) => p.NetworkOrigin === 'Internet')) {
      const status = await s3control.send(new GetAccessPointPolicyStatusCommand({ AccountId: target.accountId, Name: point.Name }));
      if (status.PolicyStatus?.IsPublic) publicPoints.push(point.Name as string);
    }
    return { points, publicPoints };
  });
  if (!read.seen) return { evidence: [read.evidence], publicPoints: [] };
  const { points, publicPoints } = read.value;
  const fact =
    points.length === 0
      ? `Bucket ${bucket} has no access point.`
      : `Bucket ${bucket} has ${points.length} access point(s): ${points.map((p) => `${p.Name} (${p.NetworkOrigin})`).join(', ')}; ` +
        `${publicPoints.length > 0 ? `public policy on ${publicPoints.join(', ')}` : 'none with a public policy'}.`;
  return { evidence: [{ fact, source, where, window: NOW }], publicPoints };
};
