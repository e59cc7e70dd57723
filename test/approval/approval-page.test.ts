import type { ApprovalRecord } from '../../functions/approval/approval-store';
import { renderDecidedPage } from '../../functions/approval/approval-page';
import { assessment, finding, TASK_TOKEN } from './fixtures';

const record = (overrides: Partial<ApprovalRecord> = {}): ApprovalRecord => ({
  approvalId: 'a1',
  schemaVersion: 3,
  kind: 'remediation',
  taskToken: TASK_TOKEN,
  executionId: 'arn:aws:states:us-east-1:111111111111:execution:hubfix:e1',
  finding: finding(),
  assessment: assessment(),
  trigger: 'custom-action',
  status: 'APPROVED',
  createdAt: '2025-03-01T12:00:00.000Z',
  expiresAt: 1_740_900_000,
  ttl: 1_741_500_000,
  approver: 'Ana',
  decidedAt: '2025-03-01T12:05:00.000Z',
  votes: [],
  ...overrides,
});

describe('the decided page', () => {
  it('tells a remediation approver the outcome goes onto the finding, and never shows the task token', () => {
    const page = renderDecidedPage(record());
    expect(page.body).toContain('write the outcome onto the finding');
    expect(page.body).not.toContain(TASK_TOKEN);
  });

  it('tells a control-hygiene approver the record goes into the audit trail (a batch has no finding)', () => {
    const batch = finding({
      resource: {
        type: 'AwsSecurityHubStandardsControlAssociations',
        id: '35 controls',
        canonicalId: '35 controls',
        region: 'us-east-1',
        partition: 'aws',
      },
    });
    expect(renderDecidedPage(record({ kind: 'control-hygiene', finding: batch, status: 'REJECTED', reason: 'not now' })).body).toContain(
      'your reason into the audit trail',
    );
  });
});
