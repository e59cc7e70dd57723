import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import {
  BatchGetStandardsControlAssociationsCommand,
  DescribeHubCommand,
  GetEnabledStandardsCommand,
  GetFindingsCommand,
  ListSecurityControlDefinitionsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import type { ClientFactory, Target } from '../platform/clients';
import {
  isGlobalResourceControl,
  KEEP_ORDER,
  RESOURCE_CONTROLS,
  resourceKindOf,
  standardKeyOf,
  standardName,
  standardsIdOf,
  type ResourceKind,
} from './standards';
import type { AssociationStatus, AuditReport, ControlChangeRequest, HygieneCandidate, RegionAudit } from './types';

/**
 * The control-hygiene audit: per account and region, the enabled controls that only add noise, why, and how
 * many failed findings go away with them. `regionFacts` reads (read-only API calls); `auditRegion` decides
 * (pure, unit-tested); `auditOrganization` does both for every account and region.
 */

export interface EnabledAssociation {
  standardsArn: string;
  securityControlId: string;
  status: AssociationStatus;
}

/** A failed, active finding: its control and the standards it was raised under (ASFF Compliance.AssociatedStandards). */
export interface FailedFinding {
  securityControlId: string;
  standardsIds: string[];
}

export interface RegionFacts {
  accountId: string;
  region: string;
  consolidatedFindings: boolean;
  enabledStandards: string[];
  associations: EnabledAssociation[];
  /** Counted resources; a kind absent was not counted (its controls are never called resource-less). */
  resourceCounts: Partial<Record<ResourceKind, number>>;
  failedFindings: FailedFinding[];
}

const keepRank = (standardsArn: string): number => {
  const key = standardKeyOf(standardsArn);
  const rank = key ? KEEP_ORDER.indexOf(key) : -1;
  return rank === -1 ? KEEP_ORDER.length : rank;
};

const associationKey = (standardsArn: string, controlId: string) => `${standardsIdOf(standardsArn)}|${controlId}`;

/** A finding stays while any standard it belongs to still has its control enabled (Security Hub archives it otherwise). */
const findingSurvives = (f: FailedFinding, enabled: Set<string>, enabledStandards: string[]): boolean => {
  const standards = f.standardsIds.length > 0 ? f.standardsIds : enabledStandards.map(standardsIdOf);
  return standards.some((id) => enabled.has(`${id}|${f.securityControlId}`));
};

/** The decision for one account and region, from facts alone. */
export const auditRegion = (facts: RegionFacts, homeRegion: string): RegionAudit => {
  const enabled = facts.associations.filter((a) => a.status === 'ENABLED');
  const candidates: Omit<HygieneCandidate, 'failedFindings'>[] = [];
  const taken = new Set<string>();
  const propose = (a: EnabledAssociation, kind: HygieneCandidate['kind'], why: string, selected: boolean) => {
    taken.add(associationKey(a.standardsArn, a.securityControlId));
    candidates.push({
      accountId: facts.accountId,
      region: facts.region,
      standardsArn: a.standardsArn,
      securityControlId: a.securityControlId,
      kind,
      why,
      selected,
    });
  };

  if (facts.region !== homeRegion) {
    for (const a of enabled.filter((e) => isGlobalResourceControl(e.securityControlId))) {
      propose(
        a,
        'global-outside-home-region',
        `${a.securityControlId} checks a global resource: Security Hub evaluates it in every region, so in ${facts.region} it repeats ` +
          `what ${homeRegion} (the home region) already reports. Keep it enabled in ${homeRegion} only.`,
        true,
      );
    }
  }
  for (const a of enabled) {
    const kind = resourceKindOf(a.securityControlId);
    if (!kind || facts.resourceCounts[kind] !== 0 || taken.has(associationKey(a.standardsArn, a.securityControlId))) continue;
    propose(
      a,
      'no-resources',
      `${a.securityControlId} evaluates ${RESOURCE_CONTROLS[kind].label} and this account has none in ${facts.region}. Not selected ` +
        `by default: a resource created later would go unchecked.`,
      false,
    );
  }
  if (!facts.consolidatedFindings) {
    const byControl = new Map<string, EnabledAssociation[]>();
    for (const a of enabled.filter((e) => !taken.has(associationKey(e.standardsArn, e.securityControlId)))) {
      byControl.set(a.securityControlId, [...(byControl.get(a.securityControlId) ?? []), a]);
    }
    for (const [controlId, associations] of byControl) {
      if (associations.length < 2) continue;
      const [kept, ...others] = [...associations].sort((x, y) => keepRank(x.standardsArn) - keepRank(y.standardsArn));
      for (const a of others) {
        propose(
          a,
          'duplicate-across-standards',
          `${controlId} is also enabled in ${standardName(kept.standardsArn)} (kept there); consolidated control findings are off, so ` +
            `${standardName(a.standardsArn)} raises a second finding for the same check.`,
          true,
        );
      }
    }
  }

  const enabledSet = (disabled: Set<string>) =>
    new Set(enabled.map((a) => associationKey(a.standardsArn, a.securityControlId)).filter((key) => !disabled.has(key)));
  const allProposed = enabledSet(new Set(candidates.map((c) => associationKey(c.standardsArn, c.securityControlId))));
  const afterSelected = enabledSet(
    new Set(candidates.filter((c) => c.selected).map((c) => associationKey(c.standardsArn, c.securityControlId))),
  );

  // Each finding that goes away is counted once, on the first proposed association of its control and standards.
  const counted = candidates.map((c) => ({ ...c, failedFindings: 0 }));
  for (const f of facts.failedFindings) {
    if (findingSurvives(f, allProposed, facts.enabledStandards)) continue;
    const owner = counted.find(
      (c) =>
        c.securityControlId === f.securityControlId &&
        (f.standardsIds.length === 0 || f.standardsIds.includes(standardsIdOf(c.standardsArn))),
    );
    if (owner) owner.failedFindings += 1;
  }
  return {
    accountId: facts.accountId,
    region: facts.region,
    homeRegion: facts.region === homeRegion,
    consolidatedFindings: facts.consolidatedFindings,
    enabledStandards: facts.enabledStandards,
    enabledAssociations: enabled.length,
    failedFindingsBefore: facts.failedFindings.length,
    failedFindingsAfter: facts.failedFindings.filter((f) => findingSurvives(f, afterSelected, facts.enabledStandards)).length,
    candidates: counted,
  };
};

/** Reads every page of a paginated call. */
const allPages = async <T>(read: (nextToken: string | undefined) => Promise<{ items: T[]; next?: string }>): Promise<T[]> => {
  const items: T[] = [];
  let next: string | undefined;
  do {
    const page = await read(next);
    items.push(...page.items);
    next = page.next;
  } while (next);
  return items;
};

const countResources = async (clients: ClientFactory, target: Target, kind: ResourceKind): Promise<number> => {
  if (kind === 'ec2Instances') {
    const reservations = await allPages(async (NextToken) => {
      const page = await clients.at(EC2Client, target).send(new DescribeInstancesCommand({ NextToken }));
      return { items: page.Reservations ?? [], next: page.NextToken };
    });
    return reservations.flatMap((r) => r.Instances ?? []).filter((i) => i.State?.Name !== 'terminated').length;
  }
  const kms = clients.at(KMSClient, target);
  const keys = await allPages(async (Marker) => {
    const page = await kms.send(new ListKeysCommand({ Marker }));
    return { items: page.Keys ?? [], next: page.Truncated ? page.NextMarker : undefined };
  });
  let customer = 0;
  for (const key of keys) {
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }));
    if (KeyMetadata?.KeyManager === 'CUSTOMER' && KeyMetadata.KeyState !== 'PendingDeletion') customer += 1;
  }
  return customer;
};

/** BatchGetStandardsControlAssociations takes at most 100 ids per call. */
const BATCH_GET_LIMIT = 100;

/** The read-only facts of one account and region. Throws when Security Hub is not enabled there. */
export const regionFacts = async (clients: ClientFactory, target: Target): Promise<RegionFacts> => {
  const hub = clients.at(SecurityHubClient, target);
  const described = await hub.send(new DescribeHubCommand({}));
  const subscriptions = await allPages(async (NextToken) => {
    const page = await hub.send(new GetEnabledStandardsCommand({ NextToken }));
    return { items: page.StandardsSubscriptions ?? [], next: page.NextToken };
  });
  const enabledStandards = subscriptions.map((s) => String(s.StandardsArn));
  const associations: EnabledAssociation[] = [];
  for (const standardsArn of enabledStandards) {
    const definitions = await allPages(async (NextToken) => {
      const page = await hub.send(new ListSecurityControlDefinitionsCommand({ StandardsArn: standardsArn, NextToken }));
      return { items: page.SecurityControlDefinitions ?? [], next: page.NextToken };
    });
    const ids = definitions.map((d) => String(d.SecurityControlId));
    for (let i = 0; i < ids.length; i += BATCH_GET_LIMIT) {
      const page = await hub.send(
        new BatchGetStandardsControlAssociationsCommand({
          StandardsControlAssociationIds: ids
            .slice(i, i + BATCH_GET_LIMIT)
            .map((SecurityControlId) => ({ SecurityControlId, StandardsArn: standardsArn })),
        }),
      );
      for (const d of page.StandardsControlAssociationDetails ?? []) {
        associations.push({
          standardsArn,
          securityControlId: String(d.SecurityControlId),
          status: d.AssociationStatus as AssociationStatus,
        });
      }
    }
  }
  const resourceCounts: Partial<Record<ResourceKind, number>> = {};
  const kinds = new Set(associations.filter((a) => a.status === 'ENABLED').flatMap((a) => resourceKindOf(a.securityControlId) ?? []));
  for (const kind of kinds) resourceCounts[kind] = await countResources(clients, target, kind);

  // Findings are read where hubfix runs: the Security Hub administrator aggregates every member account and region.
  const findings = await allPages(async (NextToken) => {
    const page = await clients.home(SecurityHubClient).send(
      new GetFindingsCommand({
        Filters: {
          AwsAccountId: [{ Value: target.accountId, Comparison: 'EQUALS' }],
          Region: [{ Value: target.region, Comparison: 'EQUALS' }],
          ComplianceStatus: [{ Value: 'FAILED', Comparison: 'EQUALS' }],
          RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
        },
        MaxResults: 100,
        NextToken,
      }),
    );
    return { items: page.Findings ?? [], next: page.NextToken };
  });
  return {
    accountId: target.accountId,
    region: target.region,
    consolidatedFindings: described.ControlFindingGenerator === 'SECURITY_CONTROL',
    enabledStandards,
    associations,
    resourceCounts,
    failedFindings: findings
      .filter((f) => f.Compliance?.SecurityControlId)
      .map((f) => ({
        securityControlId: String(f.Compliance?.SecurityControlId),
        standardsIds: (f.Compliance?.AssociatedStandards ?? []).map((s) => String(s.StandardsId)),
      })),
  };
};

export interface AuditOptions {
  homeRegion: string;
  now: Date;
}

/**
 * The audit of every account and region given; a region without Security Hub is reported as skipped, not as an
 * error. Reads go through the read-only member role (the client factory's default access).
 */
export const auditOrganization = async (clients: ClientFactory, targets: Target[], options: AuditOptions): Promise<AuditReport> => {
  const regions: RegionAudit[] = [];
  for (const target of targets) {
    try {
      regions.push(auditRegion(await regionFacts(clients, target), options.homeRegion));
    } catch (error) {
      const e = error as Error;
      if (e.name !== 'InvalidAccessException') throw error;
      regions.push({
        accountId: target.accountId,
        region: target.region,
        homeRegion: target.region === options.homeRegion,
        consolidatedFindings: false,
        enabledStandards: [],
        enabledAssociations: 0,
        failedFindingsBefore: 0,
        failedFindingsAfter: 0,
        candidates: [],
        skipped: `Security Hub is not enabled (${e.message})`,
      });
    }
  }
  const candidates = regions.flatMap((r) => r.candidates);
  return {
    homeRegion: options.homeRegion,
    generatedAt: options.now.toISOString(),
    regions,
    totals: {
      candidates: candidates.length,
      selected: candidates.filter((c) => c.selected).length,
      failedFindingsBefore: regions.reduce((n, r) => n + r.failedFindingsBefore, 0),
      failedFindingsAfter: regions.reduce((n, r) => n + r.failedFindingsAfter, 0),
    },
  };
};

/** UpdatedReason as recorded on the control: who decided it and why, within the API's length. */
const REASON_LIMIT = 500;
export const disableReason = (c: HygieneCandidate): string => `hubfix control hygiene (${c.kind}): ${c.why}`.slice(0, REASON_LIMIT);

/** The batch's changes: the selected candidates (or every candidate of the kinds asked for). */
export const selectedChanges = (report: AuditReport, include: readonly HygieneCandidate['kind'][] = []): ControlChangeRequest[] =>
  report.regions
    .flatMap((r) => r.candidates)
    .filter((c) => c.selected || include.includes(c.kind))
    .map((c) => ({
      accountId: c.accountId,
      region: c.region,
      standardsArn: c.standardsArn,
      securityControlId: c.securityControlId,
      status: 'DISABLED',
      reason: disableReason(c),
    }));
