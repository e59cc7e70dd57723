import { randomBytes } from 'node:crypto';
import { BatchUpdateStandardsControlAssociationsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { Target } from '../functions/platform/clients';
import { auditOrganization } from '../functions/hygiene/audit';
import type { AuditReport, HygieneBatchInput, HygieneRunRecord } from '../functions/hygiene/types';
import type { Fixture } from './fixture';
import type { LocalCloud } from './local-cloud';
import { answeringEmails, emailAnswerer, type EmailLog, type EmailPolicy } from './session';
import type { SimulatedAws } from './simulated-aws';

/**
 * Control hygiene on the local cloud: the audit of the simulated organization, and batches run through the
 * synthesized hygiene state machine (real handlers, the real approval page), as session.ts does for findings.
 */

/** Failed, active findings per "account region", as the Security Hub console counts them. */
export const failedFindingCounts = (sim: SimulatedAws): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const { finding } of sim.findings.values()) {
    if ((finding.Compliance as { Status?: string } | undefined)?.Status !== 'FAILED' || finding.RecordState !== 'ACTIVE') continue;
    const key = `${String(finding.AwsAccountId)} ${String(finding.Region)}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
};

export const totalOf = (counts: Record<string, number>): number => Object.values(counts).reduce((n, c) => n + c, 0);

/** Every account of the fixture in every region any account has Security Hub in (regions without it are reported as skipped). */
export const organizationTargets = (fixture: Fixture): Target[] => {
  const regions = new Set<string>([fixture.homeRegion]);
  for (const account of Object.values(fixture.accounts)) {
    const hub = (account as { securityHub?: { regions?: Record<string, unknown> } }).securityHub;
    for (const region of Object.keys(hub?.regions ?? {})) regions.add(region);
  }
  return Object.keys(fixture.accounts).flatMap((accountId) => [...regions].map((region) => ({ accountId, region })));
};

export interface HygieneRunReport {
  execution: { name: string; status: string; states: string[]; error?: { Error: string; Cause: string } };
  record?: HygieneRunRecord;
  emails: EmailLog;
  failedFindings: { before: Record<string, number>; after: Record<string, number>; totalBefore: number; totalAfter: number };
}

/** The audit of the simulated organization (or the given targets), through the same code a deployment runs. */
export const auditSandbox = (cloud: LocalCloud, targets: Target[], homeRegion: string): Promise<AuditReport> =>
  auditOrganization(cloud.runtime.clients, targets, { homeRegion, now: cloud.runtime.now() });

/**
 * Puts the organization in the state a recorded run left it (each `changed` association set to its recorded
 * `after`), directly through the simulated API: each sandbox command starts from the fixture, so undoing a run
 * from an earlier command first needs that run's changes back.
 */
export const replayHygieneRun = async (cloud: LocalCloud, record: HygieneRunRecord): Promise<void> => {
  for (const c of record.changes.filter((change) => change.outcome === 'changed' && change.after.status !== 'UNKNOWN')) {
    await cloud.runtime.clients.at(SecurityHubClient, { accountId: c.accountId, region: c.region, access: 'remediate' }).send(
      new BatchUpdateStandardsControlAssociationsCommand({
        StandardsControlAssociationUpdates: [
          {
            StandardsArn: c.standardsArn,
            SecurityControlId: c.securityControlId,
            AssociationStatus: c.after.status as 'ENABLED' | 'DISABLED',
            UpdatedReason: c.after.reason ?? c.reason,
          },
        ],
      }),
    );
  }
};

/** Runs one batch through the synthesized hygiene workflow, answering the approval email by `policy` through the real page. */
export const runHygieneBatch = async (
  cloud: LocalCloud,
  batch: HygieneBatchInput,
  policy: EmailPolicy,
  name = `hygiene-${randomBytes(6).toString('hex')}`,
): Promise<HygieneRunReport> => {
  const machine = cloud.controlHygiene();
  const before = failedFindingCounts(cloud.sim);
  const emails: EmailLog = [];
  const answer = emailAnswerer(cloud, policy, emails, [...cloud.sim.published]);
  const execution = machine.start(name, batch);
  await answeringEmails(answer, execution.done, 20);
  const after = failedFindingCounts(cloud.sim);
  return {
    execution: {
      name: execution.name,
      status: execution.status,
      states: execution.states,
      ...(execution.error ? { error: execution.error } : {}),
    },
    record: execution.output as HygieneRunRecord | undefined,
    emails,
    failedFindings: { before, after, totalBefore: totalOf(before), totalAfter: totalOf(after) },
  };
};
