import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { AUDIT_FINDING_INDEX, findingKeyOf, type AuditRecord } from '../audit/audit';
import { documentClient } from '../platform/dynamo';
import type { Runtime } from '../platform/runtime';
import type { FindingRef } from '../findings/types';

/**
 * What hubfix itself did to a finding, from its write-once audit table. Undo and the automatic path's
 * "already handled" read this, never the finding's user-defined fields, which any account that can update the
 * finding could write.
 */
export interface RunHistory {
  /** The outcome of the newest run, if any. */
  lastOutcome?: string;
  /** The newest fix still in place (outcome resolved with a change record, not undone since), if any. */
  fix?: AuditRecord;
}

/** Enough runs to see past plan-only and refused runs to the last fix or undo. */
const HISTORY_DEPTH = 25;

export const readRunHistory = async (rt: Runtime, finding: Pick<FindingRef, 'id' | 'productArn'>): Promise<RunHistory> => {
  const page = await documentClient(rt).send(
    new QueryCommand({
      TableName: rt.settings.auditTableName,
      IndexName: AUDIT_FINDING_INDEX,
      KeyConditionExpression: 'findingKey = :key',
      ExpressionAttributeValues: { ':key': findingKeyOf(finding) },
      ScanIndexForward: false,
      Limit: HISTORY_DEPTH,
    }),
  );
  const runs = (page.Items ?? []) as AuditRecord[];
  const lastChange = runs.find((run) => run.outcome === 'resolved' || run.outcome === 'undone');
  return {
    lastOutcome: runs[0]?.outcome,
    ...(lastChange?.outcome === 'resolved' && lastChange.change ? { fix: lastChange } : {}),
  };
};

/** Why the fix on record cannot be undone on this finding, or undefined when it can. */
export const undoRefusal = (history: RunHistory, finding: FindingRef): string | undefined => {
  const { fix } = history;
  if (!fix) {
    return (
      `hubfix has no fix on record for this finding (its own audit trail; last outcome: ${history.lastOutcome ?? 'none'}), so ` +
      `there is nothing to undo`
    );
  }
  if (fix.finding.accountId !== finding.accountId || fix.finding.resourceId !== finding.resource.canonicalId) {
    return (
      `the fix on record (${fix.executionId}) changed ${fix.finding.resourceId} in account ${fix.finding.accountId}, not this ` +
      `finding's ${finding.resource.canonicalId} in ${finding.accountId}; nothing was changed`
    );
  }
  return undefined;
};
