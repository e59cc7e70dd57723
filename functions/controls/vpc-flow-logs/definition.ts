import {
  CreateFlowLogsCommand,
  DeleteFlowLogsCommand,
  DescribeFlowLogsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type FlowLog,
} from '@aws-sdk/client-ec2';
import * as z from 'zod';
import type { HubfixConfig } from '../../platform/config';
import { InvalidInputError, RemediationError, ResourceNotFoundError, VerificationFailedError } from '../../platform/errors';
import type { ChangeRecord, Evidence, FindingRef, Plan } from '../../findings/types';
import { defineControl } from '../define-control';
import { ownAccount } from '../grants';
import { productionMarker, type Tags } from '../shared/production';
import { targetOf, type ControlAssessment, type ControlContext } from '../types';

/**
 * CIS 3.9 (1.4.0) / 3.7 (3.0.0) asks for at least rejected traffic, and EC2.6 checks for REJECT: logging
 * REJECT keeps the central destination's volume and cost small; a team that wants ALL has its own flow log.
 */
const TRAFFIC_TYPE = 'REJECT';
/** Flow logs whose traffic type covers rejected packets. */
const COVERS_REJECT = new Set(['REJECT', 'ALL']);

/** The flow log a plan creates; `observed` (plans made since retries were made safe): the VPC's flow logs as assessed. */
const planSchema = z.object({
  vpcId: z.string(),
  destination: z.string(),
  destinationType: z.enum(['s3', 'cloud-watch-logs']),
  deliverLogsPermissionArn: z.string().optional(),
  observed: z.object({ flowLogIds: z.array(z.string()).optional() }).optional(),
});
type FlowLogPlan = z.infer<typeof planSchema>;

/**
 * Each side of a change record. Remediate: before = the flow logs the VPC had (ids and descriptions), after = the one
 * it created and those it kept. Rollback swaps them.
 */
const changeSchema = z.object({
  vpcId: z.string(),
  flowLogs: z.array(z.string()).optional(),
  flowLogIds: z.array(z.string()).optional(),
  createdFlowLogId: z.string().optional(),
  destination: z.string().optional(),
  trafficType: z.string().optional(),
  keptFlowLogIds: z.array(z.string()).optional(),
});
type FlowLogChange = z.infer<typeof changeSchema>;

const idsOf = (flowLogs: FlowLog[]): string[] => flowLogs.flatMap((f) => (f.FlowLogId ? [f.FlowLogId] : []));

export const vpcIdOf = (finding: FindingRef): string => {
  const details = finding.resource.details?.AwsEc2Vpc as { VpcId?: string } | undefined;
  const id = /vpc-[0-9a-f]{8,17}/.exec(finding.resource.canonicalId)?.[0] ?? details?.VpcId;
  if (!id) throw new InvalidInputError(`Resource ${finding.resource.id} is not a VPC`);
  return id;
};

/** Destinations compare without a log group's ":*" suffix or a bucket's trailing slash; a bucket prefix is inside its bucket. */
const normalize = (arn: string): string => arn.replace(/:\*$/, '').replace(/\/+$/, '');
const isCentral = (destination: string | undefined, central: string[]): boolean => {
  if (!destination) return false;
  const d = normalize(destination);
  return central.some((c) => d === normalize(c) || (c.includes(':s3:::') && d.startsWith(`${normalize(c)}/`)));
};
/** An active flow log that delivers rejected traffic to a central destination: what EC2.6 plus the security team need. */
const deliversCentrally = (f: FlowLog, central: string[]): boolean =>
  f.FlowLogStatus === 'ACTIVE' && COVERS_REJECT.has(f.TrafficType ?? '') && isCentral(f.LogDestination, central);

const describeFlowLog = (f: FlowLog): string =>
  `${f.FlowLogId} (${f.TrafficType}, ${f.FlowLogStatus}) → ${f.LogDestination ?? f.LogGroupName ?? 'unknown destination'}`;

const flowLogsOf = async (ec2: EC2Client, vpcId: string): Promise<FlowLog[]> =>
  (await ec2.send(new DescribeFlowLogsCommand({ Filter: [{ Name: 'resource-id', Values: [vpcId] }] }))).FlowLogs ?? [];

const vpcTags = async (ec2: EC2Client, vpcId: string): Promise<Tags> => {
  try {
    const vpc = (await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs?.[0];
    return Object.fromEntries((vpc?.Tags ?? []).filter((t) => t.Key).map((t) => [t.Key as string, t.Value ?? '']));
  } catch (error) {
    if ((error as Error).name === 'InvalidVpcID.NotFound')
      throw new ResourceNotFoundError(`VPC ${vpcId} no longer exists`, { cause: error });
    throw error;
  }
};

/**
 * The first configured central destination a flow log of this VPC can publish to, or why none can: a log group
 * must be in the VPC's account and region and needs the delivery role; an S3 bucket takes logs from anywhere.
 */
type Destination = Omit<FlowLogPlan, 'vpcId' | 'observed'>;

const destinationFor = (config: HubfixConfig, accountId: string, region: string): Destination | { blocked: string } => {
  const { centralDestinations, deliverLogsPermissionArn } = config.flowLogs;
  if (centralDestinations.length === 0) {
    return {
      blocked:
        'no central flow-log destination is configured (set flowLogs.centralDestinations to the security team\u2019s log group or S3 ' +
        'bucket ARN)',
    };
  }
  const refused: string[] = [];
  for (const destination of centralDestinations) {
    if (destination.includes(':s3:::')) return { destination, destinationType: 's3' };
    const [, , , groupRegion, groupAccount] = destination.split(':');
    if (groupRegion !== region || groupAccount !== accountId) refused.push(`${destination} is not in ${accountId}/${region}`);
    else if (!deliverLogsPermissionArn)
      refused.push(`${destination} needs flowLogs.deliverLogsPermissionArn (the role that publishes to the log group)`);
    else return { destination, destinationType: 'cloud-watch-logs', deliverLogsPermissionArn };
  }
  return { blocked: `no configured central destination can receive this VPC's flow logs: ${refused.join('; ')}` };
};

async function assess(finding: FindingRef, ctx: ControlContext): Promise<ControlAssessment<FlowLogPlan>> {
  const { accountId, region } = targetOf(finding);
  const ec2 = ctx.clients.at(EC2Client, targetOf(finding));
  const vpcId = vpcIdOf(finding);
  const central = ctx.config.flowLogs.centralDestinations;
  const [tags, flowLogs] = await Promise.all([vpcTags(ec2, vpcId), flowLogsOf(ec2, vpcId)]);

  const evidence: Evidence[] = [];
  const centralLogs = flowLogs.filter((f) => deliversCentrally(f, central));
  const othersLogs = flowLogs.filter((f) => !centralLogs.includes(f));
  if (flowLogs.length === 0) {
    evidence.push({ fact: `VPC ${vpcId} has no flow logs at all.`, source: 'ec2:DescribeFlowLogs' });
  } else if (centralLogs.length > 0) {
    evidence.push({
      fact: `VPC ${vpcId} already delivers to a central destination: ${centralLogs.map(describeFlowLog).join('; ')}.`,
      source: 'ec2:DescribeFlowLogs',
    });
    return { risk: 'low', riskReason: `VPC ${vpcId} already sends rejected traffic to the security team's destination`, evidence };
  } else {
    evidence.push({
      fact:
        `VPC ${vpcId} has ${flowLogs.length} flow log(s), none delivering rejected traffic to a central destination (the control ` +
        `passes while the security team sees nothing): ${othersLogs.map(describeFlowLog).join('; ')}.`,
      source: 'ec2:DescribeFlowLogs',
    });
  }
  const marker = productionMarker(tags, ctx.config);
  if (marker)
    evidence.push({ fact: `VPC ${vpcId} is tagged ${marker}; a flow log does not touch its traffic.`, source: 'ec2:DescribeVpcs' });

  const target = destinationFor(ctx.config, accountId, region);
  if ('blocked' in target) return { risk: 'low', riskReason: target.blocked, evidence, blocked: true };

  const parameters = { ...target, vpcId };
  evidence.push({
    fact: `A new ${TRAFFIC_TYPE} flow log to ${target.destination} only adds delivery (and its cost); ${
      othersLogs.length > 0 ? 'the existing flow logs are kept as they are' : 'nothing is removed'
    }.`,
    source: 'hubfix config flowLogs.centralDestinations',
  });
  const plan: Plan<FlowLogPlan> = {
    summary:
      `Add a ${TRAFFIC_TYPE} flow log on VPC ${vpcId} to the central destination ${target.destination} ` + '(existing flow logs untouched)',
    steps: [
      `ec2:CreateFlowLogs ResourceType=VPC ` +
        `ResourceIds=${vpcId} TrafficType=${TRAFFIC_TYPE} ` +
        `LogDestinationType=${target.destinationType} LogDestination=${target.destination}` +
        (target.deliverLogsPermissionArn ? ` DeliverLogsPermissionArn=${target.deliverLogsPermissionArn}` : ''),
    ],
    reversible: true,
    // observed: the flow logs the VPC had when assessed; a retry adopts only a planned flow log that is not among them (types.ts).
    parameters: { ...parameters, observed: { flowLogIds: idsOf(flowLogs) } },
  };
  return { risk: 'low', riskReason: `Adding a flow log changes no traffic and removes no one's flow log`, evidence, plan };
}

/** A flow log with exactly the settings the plan creates one with. */
const isPlanned = (f: FlowLog, p: FlowLogPlan): boolean =>
  f.ResourceId === p.vpcId &&
  f.TrafficType === TRAFFIC_TYPE &&
  f.LogDestinationType === p.destinationType &&
  normalize(f.LogDestination ?? '') === normalize(p.destination) &&
  (f.DeliverLogsPermissionArn ?? undefined) === p.deliverLogsPermissionArn;

/**
 * The flow log an earlier attempt of this step created: exactly the planned settings, and not among the flow logs the
 * VPC had when assessed (types.ts, rule 4). Undefined when the plan does not say which flow logs there were.
 */
const createdEarlier = (existing: FlowLog[], p: FlowLogPlan): FlowLog | undefined => {
  const seen = p.observed?.flowLogIds;
  return seen ? existing.find((f) => isPlanned(f, p) && !seen.includes(f.FlowLogId ?? '')) : undefined;
};

const createFlowLog = async (ec2: EC2Client, p: FlowLogPlan, others: FlowLog[]): Promise<string> => {
  const result = await ec2
    .send(
      new CreateFlowLogsCommand({
        ResourceType: 'VPC',
        ResourceIds: [p.vpcId],
        TrafficType: TRAFFIC_TYPE,
        LogDestinationType: p.destinationType,
        LogDestination: p.destination,
        ...(p.deliverLogsPermissionArn ? { DeliverLogsPermissionArn: p.deliverLogsPermissionArn } : {}),
      }),
    )
    .catch((error: Error) => {
      throw new RemediationError(`CreateFlowLogs for ${p.vpcId} failed (${error.name}: ${error.message}); nothing was changed`, {
        cause: error,
      });
    });
  const createdId = result.FlowLogIds?.[0];
  const problem = result.Unsuccessful?.[0]?.Error;
  if (createdId && !problem) return createdId;
  if (problem?.Code === 'FlowLogAlreadyExists') {
    // The SDK resent a CreateFlowLogs that was applied: the new flow log is the planned one that was not there a moment ago.
    const adopted = (await flowLogsOf(ec2, p.vpcId)).find((f) => isPlanned(f, p) && !others.some((o) => o.FlowLogId === f.FlowLogId));
    if (adopted?.FlowLogId) return adopted.FlowLogId;
  }
  throw new RemediationError(
    `CreateFlowLogs for ${p.vpcId} was refused (${problem?.Code ?? 'no flow log id'}: ${problem?.Message ?? ''}); nothing was changed`,
  );
};

async function remediate(finding: FindingRef, plan: Plan<FlowLogPlan>, ctx: ControlContext): Promise<ChangeRecord<FlowLogChange>> {
  const ec2 = ctx.clients.at(EC2Client, targetOf(finding));
  const p = plan.parameters;
  const existing = await flowLogsOf(ec2, p.vpcId);
  const earlier = createdEarlier(existing, p);
  const others = existing.filter((f) => f !== earlier);
  const before = { vpcId: p.vpcId, flowLogs: others.map(describeFlowLog), flowLogIds: idsOf(others) };
  const already = earlier ? undefined : others.find((f) => deliversCentrally(f, [p.destination]));
  if (already) {
    // Someone else fixed it meanwhile: nothing to create, and nothing for rollback to delete.
    return {
      summary: `VPC ${p.vpcId} already had flow log ${already.FlowLogId} to ${p.destination}`,
      before,
      after: before,
      changedAt: ctx.now().toISOString(),
      reversible: true,
    };
  }
  const createdId = earlier?.FlowLogId ?? (await createFlowLog(ec2, p, others));
  return {
    summary: `Created ${TRAFFIC_TYPE} flow log ${createdId} on VPC ${p.vpcId} to ${p.destination}`,
    before,
    after: {
      vpcId: p.vpcId,
      createdFlowLogId: createdId,
      destination: p.destination,
      trafficType: TRAFFIC_TYPE,
      keptFlowLogIds: before.flowLogIds,
    },
    changedAt: ctx.now().toISOString(),
    reversible: true,
  };
}

async function verify(finding: FindingRef, change: ChangeRecord<FlowLogChange>, ctx: ControlContext): Promise<string> {
  const vpcId = change.after.vpcId;
  const central = ctx.config.flowLogs.centralDestinations;
  const flowLogs = await flowLogsOf(ctx.clients.at(EC2Client, targetOf(finding)), vpcId);
  const delivering = flowLogs.filter((f) => deliversCentrally(f, central));
  if (delivering.length === 0) {
    throw new VerificationFailedError(
      `VPC ${vpcId} has no active flow log delivering rejected traffic to a central destination (found: ` +
        `${flowLogs.map(describeFlowLog).join('; ') || 'none'})`,
    );
  }
  const kept = (change.before.flowLogIds ?? []).filter((id) => flowLogs.some((f) => f.FlowLogId === id));
  return `EC2 reports ${delivering.map(describeFlowLog).join('; ')} on ${vpcId}; ${kept.length} pre-existing flow log(s) still in place`;
}

async function rollback(
  finding: FindingRef,
  change: ChangeRecord<FlowLogChange>,
  ctx: ControlContext,
): Promise<ChangeRecord<FlowLogChange>> {
  const created = change.after.createdFlowLogId;
  const vpcId = change.after.vpcId;
  const record = (summary: string): ChangeRecord<FlowLogChange> => ({
    summary,
    before: change.after,
    after: change.before,
    changedAt: ctx.now().toISOString(),
    reversible: false,
  });
  if (!created) return record(`hubfix created no flow log on ${vpcId}; nothing to remove`);
  const result = await ctx.clients.at(EC2Client, targetOf(finding)).send(new DeleteFlowLogsCommand({ FlowLogIds: [created] }));
  const problem = result.Unsuccessful?.[0]?.Error;
  // Already gone (an earlier attempt of this undo deleted it, or the SDK resent the delete): the undo is done all the same.
  if (problem && problem.Code !== 'InvalidFlowLogId.NotFound') {
    throw new RemediationError(`Deleting flow log ${created} failed (${problem.Code}: ${problem.Message ?? ''}); nothing was changed`);
  }
  return record(`Deleted flow log ${created} that hubfix had created on ${vpcId}; the other flow logs were not touched`);
}

export const vpcFlowLogs = defineControl({
  id: 'vpc-flow-logs',
  title: 'VPC flow logs delivered to the security team',
  ids: ['EC2.6'],
  cisRefs: ['1.2.0/2.9', '1.4.0/3.9', '3.0.0/3.7', '5.0.0/3.7'],
  resourceTypes: ['AwsEc2Vpc'],
  assesses:
    'The VPC\u2019s flow logs (DescribeFlowLogs) against the configured central destinations: none at all, or only to another ' +
    'team\u2019s destination; VPC tags',
  changes: 'Adds one REJECT flow log to the central destination; never changes or removes existing flow logs',
  reversible: true,
  automation: 'automated',
  defaultMode: 'auto',
  signals: [
    {
      signal: 'The VPC\u2019s flow logs and their destinations against the configured central ones; VPC tags',
      source: 'ec2:DescribeFlowLogs, ec2:DescribeVpcs in the finding\u2019s region',
      blindSpots: 'Nothing about use: a flow log is additive (it costs by volume)',
      whenMissing: 'The read fails the assessment: nothing is changed and the finding is annotated with what failed',
    },
  ],
  planSchema,
  changeSchema,
  permissions: {
    assess: ['ec2:DescribeVpcs', 'ec2:DescribeFlowLogs'],
    verify: ['ec2:DescribeFlowLogs'],
    remediate: [
      'ec2:DescribeFlowLogs',
      'ec2:CreateFlowLogs',
      {
        action: 'iam:PassRole',
        requiredFor: 'ec2:CreateFlowLogs',
        resources: (s) => (s.flowLogsDeliveryRoleArn ? [s.flowLogsDeliveryRoleArn] : []),
        conditions: () => ({ StringEquals: { 'iam:PassedToService': 'vpc-flow-logs.amazonaws.com' } }),
        why: 'only the configured delivery role (flowLogs.deliverLogsPermissionArn), only to VPC Flow Logs; none without it',
      },
      {
        action: 'logs:CreateLogDelivery',
        requiredFor: 'ec2:CreateFlowLogs',
        resources: () => ['*'],
        why: 'a flow log to an S3 bucket is a log delivery; no resource-level permissions',
      },
    ],
    rollback: [
      {
        action: 'ec2:DeleteFlowLogs',
        resources: ownAccount('ec2', 'vpc-flow-log/*'),
        why: 'only the flow log hubfix created (its id is in the change record, unknown in advance): flow logs of its own account',
      },
      {
        action: 'logs:DeleteLogDelivery',
        requiredFor: 'ec2:DeleteFlowLogs',
        resources: () => ['*'],
        why: 'deleting an S3 flow log deletes its log delivery; no resource-level permissions',
      },
    ],
  },
  assess,
  remediate,
  verify,
  rollback,
});

export default vpcFlowLogs;
