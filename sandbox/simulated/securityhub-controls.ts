import * as z from 'zod';
import { STANDARD_KEYS, STANDARDS, standardKeyOf, standardsArn, standardsIdOf, type StandardKey } from '../../functions/hygiene/standards';
import { arnPrefix } from './partitions';
import { defineModule, SimulatedServiceError, type SimContext, type SimOrganization } from './service';

/**
 * Security Hub (CSPM) configuration per account and region: whether the hub is on, consolidated control
 * findings, the enabled standards and each control's association status in each standard. Disabling a control
 * archives its findings once no enabled standard keeps it (as Security Hub does); enabling it again brings them back.
 */

type Requirements = Partial<Record<StandardKey, string>>;
interface ControlDefinition {
  title: string;
  severity: 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  requirements: Requirements;
}

/** The controls the simulation knows and the requirement each standard maps them to (a slice of the real catalog). */
export const SIMULATED_CONTROLS: Record<string, ControlDefinition> = {
  'IAM.3': {
    title: "IAM users' access keys should be rotated every 90 days or less",
    severity: 'MEDIUM',
    requirements: { fsbp: 'IAM.3', 'cis-1.2.0': '1.4', 'cis-1.4.0': '1.14', 'cis-3.0.0': '1.14' },
  },
  'IAM.4': {
    title: 'IAM root user access key should not exist',
    severity: 'CRITICAL',
    requirements: { fsbp: 'IAM.4', 'cis-1.2.0': '1.12', 'cis-1.4.0': '1.4', 'cis-3.0.0': '1.4' },
  },
  'IAM.5': {
    title: 'MFA should be enabled for all IAM users that have a console password',
    severity: 'MEDIUM',
    requirements: { fsbp: 'IAM.5', 'cis-1.2.0': '1.2', 'cis-1.4.0': '1.10', 'cis-3.0.0': '1.10' },
  },
  'IAM.6': {
    title: 'Hardware MFA should be enabled for the root user',
    severity: 'CRITICAL',
    requirements: { fsbp: 'IAM.6', 'cis-1.2.0': '1.14', 'cis-1.4.0': '1.6', 'cis-3.0.0': '1.6' },
  },
  'IAM.7': {
    title: 'Password policies for IAM users should have strong configurations',
    severity: 'MEDIUM',
    requirements: { fsbp: 'IAM.7' },
  },
  'IAM.9': {
    title: 'MFA should be enabled for the root user',
    severity: 'CRITICAL',
    requirements: { 'cis-1.2.0': '1.13', 'cis-1.4.0': '1.5', 'cis-3.0.0': '1.5' },
  },
  'IAM.15': {
    title: 'Ensure IAM password policy requires minimum password length of 14 or greater',
    severity: 'MEDIUM',
    requirements: { 'cis-1.2.0': '1.9', 'cis-1.4.0': '1.8', 'cis-3.0.0': '1.8' },
  },
  'IAM.16': {
    title: 'Ensure IAM password policy prevents password reuse',
    severity: 'LOW',
    requirements: { 'cis-1.2.0': '1.10', 'cis-1.4.0': '1.9', 'cis-3.0.0': '1.9' },
  },
  'CloudTrail.1': {
    title: 'CloudTrail should be enabled and configured with at least one multi-Region trail',
    severity: 'HIGH',
    requirements: { fsbp: 'CloudTrail.1', 'cis-1.2.0': '2.1', 'cis-1.4.0': '3.1', 'cis-3.0.0': '3.1' },
  },
  'CloudTrail.2': {
    title: 'CloudTrail should have encryption at-rest enabled',
    severity: 'MEDIUM',
    requirements: { fsbp: 'CloudTrail.2', 'cis-1.2.0': '2.7', 'cis-1.4.0': '3.7', 'cis-3.0.0': '3.5' },
  },
  'Config.1': {
    title: 'AWS Config should be enabled and use the service-linked role for resource recording',
    severity: 'CRITICAL',
    requirements: { fsbp: 'Config.1', 'cis-1.2.0': '2.5', 'cis-1.4.0': '3.5', 'cis-3.0.0': '3.3' },
  },
  'EC2.2': {
    title: 'VPC default security groups should not allow inbound or outbound traffic',
    severity: 'HIGH',
    requirements: { fsbp: 'EC2.2', 'cis-1.2.0': '4.3', 'cis-1.4.0': '5.3', 'cis-3.0.0': '5.4' },
  },
  'EC2.8': {
    title: 'EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)',
    severity: 'HIGH',
    requirements: { fsbp: 'EC2.8', 'cis-3.0.0': '5.6' },
  },
  'KMS.4': {
    title: 'AWS KMS key rotation should be enabled',
    severity: 'MEDIUM',
    requirements: { 'cis-1.2.0': '2.8', 'cis-1.4.0': '3.8', 'cis-3.0.0': '3.6' },
  },
};

const standardKey = z.enum(STANDARD_KEYS as [StandardKey, ...StandardKey[]]);

const regionSchema = z
  .object({
    consolidatedFindings: z
      .boolean()
      .default(true)
      .describe('ControlFindingGenerator SECURITY_CONTROL (one finding per check) or STANDARD_CONTROL (one per standard)'),
    standards: z.array(standardKey).default([]).describe('Enabled standards: fsbp, cis-1.2.0, cis-1.4.0, cis-3.0.0'),
    disabledControls: z
      .array(z.object({ standard: standardKey, controlId: z.string(), reason: z.string().default('') }).strict())
      .default([])
      .describe('Controls disabled in a standard; every other control of an enabled standard is ENABLED'),
  })
  .strict();

interface Association {
  status: 'ENABLED' | 'DISABLED';
  reason?: string;
  updatedAt: string;
}

interface RegionState {
  consolidatedFindings: boolean;
  /** Enabled standard → control id → association. */
  standards: Map<StandardKey, Map<string, Association>>;
}

export type SecurityHubControlsState = Map<string, RegionState>;

const controlsOf = (key: StandardKey): string[] =>
  Object.keys(SIMULATED_CONTROLS).filter((id) => SIMULATED_CONTROLS[id].requirements[key] !== undefined);

const notSubscribed = (ctx: SimContext) =>
  new SimulatedServiceError('InvalidAccessException', `Account ${ctx.accountId} is not subscribed to AWS Security Hub in ${ctx.region}`);

const hubIn = (state: SecurityHubControlsState, ctx: SimContext): RegionState => {
  const hub = state.get(ctx.region);
  if (!hub) throw notSubscribed(ctx);
  return hub;
};

/** "CIS AWS Foundations Benchmark v1.2.0/1.4": RelatedRequirements as Security Hub writes them. */
const requirementName = (key: StandardKey, controlId: string): string =>
  `${STANDARDS[key].name}/${SIMULATED_CONTROLS[controlId].requirements[key]}`;

const associationOf = (
  hub: RegionState,
  ctx: SimContext,
  arn: unknown,
  controlId: unknown,
): { key: StandardKey; association: Association } | { error: string; reason: string } => {
  const key = standardKeyOf(String(arn));
  if (!key || String(arn) !== standardsArn(key, ctx.region)) return { error: 'INVALID_INPUT', reason: `Unknown standard ${String(arn)}` };
  const controls = hub.standards.get(key);
  if (!controls) return { error: 'RESOURCE_NOT_FOUND', reason: `Standard ${String(arn)} is not enabled in ${ctx.region}` };
  const association = controls.get(String(controlId));
  if (!association) return { error: 'RESOURCE_NOT_FOUND', reason: `Control ${String(controlId)} is not part of ${String(arn)}` };
  return { key, association };
};

const summary = (ctx: SimContext, key: StandardKey, controlId: string, a: Association) => ({
  StandardsArn: standardsArn(key, ctx.region),
  SecurityControlId: controlId,
  SecurityControlArn: `${arnPrefix(ctx.region)}securityhub:${ctx.region}:${ctx.accountId}:security-control/${controlId}`,
  AssociationStatus: a.status,
  RelatedRequirements: [requirementName(key, controlId)],
  UpdatedAt: new Date(a.updatedAt),
  ...(a.reason ? { UpdatedReason: a.reason } : {}),
  StandardsControlTitle: SIMULATED_CONTROLS[controlId].title,
});

/** Security Hub archives a control's findings when no enabled standard keeps the control, and restores them when one does again. */
const refreshFindings = (org: SimOrganization, hub: RegionState, ctx: SimContext, controlIds: Set<string>): void => {
  for (const { finding } of org.findings()) {
    const compliance = (finding.Compliance ?? {}) as { SecurityControlId?: string; AssociatedStandards?: { StandardsId?: string }[] };
    if (
      finding.AwsAccountId !== ctx.accountId ||
      finding.Region !== ctx.region ||
      !compliance.SecurityControlId ||
      !controlIds.has(compliance.SecurityControlId)
    )
      continue;
    const controlId = compliance.SecurityControlId;
    const associated = (compliance.AssociatedStandards ?? []).map((s) => String(s.StandardsId));
    const standards = [...hub.standards].filter(([key]) => associated.length === 0 || associated.includes(STANDARDS[key].id));
    const enabled = standards.some(([, controls]) => controls.get(controlId)?.status === 'ENABLED');
    finding.RecordState = enabled ? 'ACTIVE' : 'ARCHIVED';
  }
};

export const securityHubControlsModule = defineModule({
  key: 'securityHub',
  clientName: 'SecurityHubClient',
  fixture: z
    .object({ regions: z.record(z.string(), regionSchema).default({}).describe('Per region where Security Hub is enabled') })
    .strict()
    .prefault({})
    .describe('Security Hub (CSPM) per region: consolidated findings, enabled standards, disabled controls'),
  load: (fixture, now): SecurityHubControlsState =>
    new Map(
      Object.entries(fixture.regions).map(([region, r]) => [
        region,
        {
          consolidatedFindings: r.consolidatedFindings,
          standards: new Map(
            r.standards.map((key) => [
              key,
              new Map(
                controlsOf(key).map((controlId) => {
                  const disabled = r.disabledControls.find((d) => d.standard === key && d.controlId === controlId);
                  return [
                    controlId,
                    { status: disabled ? 'DISABLED' : 'ENABLED', reason: disabled?.reason, updatedAt: now.toISOString() } as Association,
                  ];
                }),
              ),
            ]),
          ),
        },
      ]),
    ),
  commands: (state, now, org) => ({
    DescribeHub: (_input, ctx) => {
      const hub = hubIn(state(ctx.accountId), ctx);
      return {
        HubArn: `${arnPrefix(ctx.region)}securityhub:${ctx.region}:${ctx.accountId}:hub/default`,
        AutoEnableControls: true,
        ControlFindingGenerator: hub.consolidatedFindings ? 'SECURITY_CONTROL' : 'STANDARD_CONTROL',
      };
    },
    GetEnabledStandards: (_input, ctx) => ({
      StandardsSubscriptions: [...hubIn(state(ctx.accountId), ctx).standards.keys()].map((key) => ({
        StandardsSubscriptionArn:
          `${arnPrefix(ctx.region)}securityhub:${ctx.region}:${ctx.accountId}:subscription/` +
          STANDARDS[key].id.replace(/^(standards|ruleset)\//, ''),
        StandardsArn: standardsArn(key, ctx.region),
        StandardsInput: {},
        StandardsStatus: 'READY',
      })),
    }),
    ListSecurityControlDefinitions: (input, ctx) => {
      hubIn(state(ctx.accountId), ctx);
      const key = input.StandardsArn ? standardKeyOf(String(input.StandardsArn)) : undefined;
      if (input.StandardsArn && !key)
        throw new SimulatedServiceError('InvalidInputException', `Unknown standard ${String(input.StandardsArn)}`);
      return {
        SecurityControlDefinitions: Object.entries(SIMULATED_CONTROLS)
          .filter(([, c]) => !key || c.requirements[key] !== undefined)
          .map(([id, c]) => ({
            SecurityControlId: id,
            Title: c.title,
            Description: c.title,
            // Required in the model: AWS links each control's remediation page.
            RemediationUrl: `https://docs.aws.amazon.com/console/securityhub/${id}/remediation`,
            SeverityRating: c.severity,
            CurrentRegionAvailability: 'AVAILABLE',
          })),
      };
    },
    ListStandardsControlAssociations: (input, ctx) => {
      const hub = hubIn(state(ctx.accountId), ctx);
      const controlId = String(input.SecurityControlId ?? '');
      if (!SIMULATED_CONTROLS[controlId])
        throw new SimulatedServiceError('ResourceNotFoundException', `Security control ${controlId} not found`);
      return {
        StandardsControlAssociationSummaries: [...hub.standards].flatMap(([key, controls]) => {
          const a = controls.get(controlId);
          return a ? [summary(ctx, key, controlId, a)] : [];
        }),
      };
    },
    BatchGetStandardsControlAssociations: (input, ctx) => {
      const hub = hubIn(state(ctx.accountId), ctx);
      const ids = (input.StandardsControlAssociationIds ?? []) as { SecurityControlId: string; StandardsArn: string }[];
      const details: ReturnType<typeof summary>[] = [];
      const unprocessed: unknown[] = [];
      for (const id of ids) {
        const found = associationOf(hub, ctx, id.StandardsArn, id.SecurityControlId);
        if ('error' in found) unprocessed.push({ StandardsControlAssociationId: id, ErrorCode: found.error, ErrorReason: found.reason });
        else details.push(summary(ctx, found.key, id.SecurityControlId, found.association));
      }
      return { StandardsControlAssociationDetails: details, UnprocessedAssociations: unprocessed };
    },
    BatchUpdateStandardsControlAssociations: (input, ctx) => {
      const hub = hubIn(state(ctx.accountId), ctx);
      const updates = (input.StandardsControlAssociationUpdates ?? []) as {
        StandardsArn: string;
        SecurityControlId: string;
        AssociationStatus: string;
        UpdatedReason?: string;
      }[];
      if (updates.length === 0)
        throw new SimulatedServiceError('InvalidInputException', 'StandardsControlAssociationUpdates must not be empty');
      const unprocessed: unknown[] = [];
      const changed = new Set<string>();
      for (const update of updates) {
        const found = associationOf(hub, ctx, update.StandardsArn, update.SecurityControlId);
        if ('error' in found) {
          unprocessed.push({ StandardsControlAssociationUpdate: update, ErrorCode: found.error, ErrorReason: found.reason });
          continue;
        }
        if (update.AssociationStatus !== 'ENABLED' && update.AssociationStatus !== 'DISABLED') {
          unprocessed.push({
            StandardsControlAssociationUpdate: update,
            ErrorCode: 'INVALID_INPUT',
            ErrorReason: 'AssociationStatus must be ENABLED or DISABLED',
          });
          continue;
        }
        // The console and API require a reason to disable a control (it is shown to every later reader).
        if (update.AssociationStatus === 'DISABLED' && !update.UpdatedReason?.trim()) {
          unprocessed.push({
            StandardsControlAssociationUpdate: update,
            ErrorCode: 'INVALID_INPUT',
            ErrorReason: 'UpdatedReason is required to disable a control',
          });
          continue;
        }
        Object.assign(found.association, {
          status: update.AssociationStatus,
          reason: update.UpdatedReason,
          updatedAt: now().toISOString(),
        });
        changed.add(update.SecurityControlId);
      }
      refreshFindings(org, hub, ctx, changed);
      return { UnprocessedAssociationUpdates: unprocessed };
    },
    DescribeStandardsControls: (input, ctx) => {
      const hub = hubIn(state(ctx.accountId), ctx);
      const subscription = String(input.StandardsSubscriptionArn ?? '');
      const key = STANDARD_KEYS.find((k) => subscription.endsWith(`subscription/${STANDARDS[k].id.replace(/^(standards|ruleset)\//, '')}`));
      const controls = key && hub.standards.get(key);
      if (!key || !controls)
        throw new SimulatedServiceError('ResourceNotFoundException', `Standards subscription ${subscription} not found`);
      return {
        Controls: [...controls].map(([controlId, a]) => ({
          StandardsControlArn:
            `${arnPrefix(ctx.region)}securityhub:${ctx.region}:${ctx.accountId}:control/` +
            `${standardsIdOf(standardsArn(key, ctx.region)).replace(/^(standards|ruleset)\//, '')}/` +
            SIMULATED_CONTROLS[controlId].requirements[key],
          ControlStatus: a.status,
          ...(a.reason && a.status === 'DISABLED' ? { DisabledReason: a.reason } : {}),
          ControlStatusUpdatedAt: new Date(a.updatedAt),
          ControlId: key === 'fsbp' ? controlId : `CIS.${SIMULATED_CONTROLS[controlId].requirements[key]}`,
          Title: SIMULATED_CONTROLS[controlId].title,
          SeverityRating: SIMULATED_CONTROLS[controlId].severity,
          RelatedRequirements: [requirementName(key, controlId)],
        })),
      };
    },
  }),
  snapshot: (hubs) =>
    Object.fromEntries(
      [...hubs].map(([region, hub]) => [
        region,
        Object.fromEntries(
          [...hub.standards].map(([key, controls]) => [key, [...controls].filter(([, a]) => a.status === 'DISABLED').map(([id]) => id)]),
        ),
      ]),
    ),
});
