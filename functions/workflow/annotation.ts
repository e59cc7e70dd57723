import { BatchUpdateFindingsCommand, type SecurityHubClient } from '@aws-sdk/client-securityhub';
import { HubfixError } from '../platform/errors';
import { oneLine } from '../platform/untrusted-text';
import type { Outcome } from '../findings/types';

/** BatchUpdateFindings rejects notes longer than this. */
export const NOTE_LIMIT = 512;
export const NOTE_AUTHOR = 'hubfix';

export type WorkflowStatus = 'NEW' | 'NOTIFIED' | 'RESOLVED' | 'SUPPRESSED';

/** What hubfix writes onto a finding. */
export interface Annotation {
  outcome: Outcome | 'awaiting-approval';
  /** Left unchanged when absent (e.g. a finding hubfix refused to touch keeps its status). */
  workflowStatus?: WorkflowStatus;
  note: string;
  /** User-defined fields; keys get the "hubfix:" prefix. */
  fields: Record<string, string | undefined>;
}

export interface FindingIdentifier {
  id: string;
  productArn: string;
}

/** Security Hub keeps one note per finding: say the most important thing first, cut at the limit. */
export const fitNote = (text: string): string => oneLine(text, NOTE_LIMIT);

export class AnnotationError extends HubfixError {}

/** Writes the annotation onto the finding; throws when Security Hub reports the finding unprocessed. */
export const annotateFinding = async (
  securityHub: SecurityHubClient,
  finding: FindingIdentifier,
  annotation: Annotation,
): Promise<void> => {
  const fields = Object.fromEntries(
    Object.entries<string | undefined>({ outcome: annotation.outcome, ...annotation.fields })
      .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
      .map(([key, value]) => [`hubfix:${key}`, value.slice(0, 1024)]),
  );
  const result = await securityHub.send(
    new BatchUpdateFindingsCommand({
      FindingIdentifiers: [{ Id: finding.id, ProductArn: finding.productArn }],
      Note: { Text: fitNote(annotation.note), UpdatedBy: NOTE_AUTHOR },
      ...(annotation.workflowStatus ? { Workflow: { Status: annotation.workflowStatus } } : {}),
      UserDefinedFields: fields,
    }),
  );
  const unprocessed = result.UnprocessedFindings ?? [];
  if (unprocessed.length > 0) {
    const first = unprocessed[0];
    throw new AnnotationError(
      `Security Hub did not update finding ${finding.id}: ${first.ErrorCode ?? 'error'} ${first.ErrorMessage ?? ''}`.trim(),
    );
  }
};
