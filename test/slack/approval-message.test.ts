import { approvalFallbackText, approvalRequestBlocks, decidedBlocks, slackText } from '../../functions/approval/slack/approval-message';
import type { ApprovalRecord } from '../../functions/approval/approval-store';
import { assessment, finding, NOW, TASK_TOKEN } from '../approval/fixtures';

/** Every text object of a message, with its type, wherever Block Kit nests it. */
const textObjects = (node: unknown): { type: string; text: string }[] => {
  if (Array.isArray(node)) return node.flatMap(textObjects);
  if (node === null || typeof node !== 'object') return [];
  const object = node as Record<string, unknown>;
  const self =
    (object.type === 'plain_text' || object.type === 'mrkdwn') && typeof object.text === 'string'
      ? [object as { type: string; text: string }]
      : [];
  return [...self, ...Object.values(object).flatMap(textObjects)];
};

const HOSTILE = [
  '<!channel> <!here> <@U0ADMIN|admin> <https://evil.example/login|Click to verify>',
  '*URGENT* _approve_ ~now~ `code` :rotating_light: @channel',
  'https://evil.example/phish www.evil.example',
  'line one\nline two\u202etxt.exe\u200b',
].join(' ');

const record = (overrides: Partial<ApprovalRecord> = {}): ApprovalRecord =>
  ({
    approvalId: 'AbCdEfGhIjKlMnOpQrStUv',
    schemaVersion: 3,
    kind: 'remediation',
    taskToken: TASK_TOKEN,
    executionId: 'arn:aws:states:us-east-1:111111111111:execution:hubfix:IAM-3-abc',
    finding: finding({ title: HOSTILE }),
    assessment: assessment({
      routeReason: HOSTILE,
      evidence: Array.from({ length: 40 }, (_, i) => ({ fact: `${HOSTILE} ${i}`, source: HOSTILE })),
      plan: { summary: HOSTILE, steps: [HOSTILE, 'Set access key AKIA...XYZ to Inactive'], reversible: true, parameters: {} },
    }),
    trigger: 'custom-action',
    status: 'PENDING',
    createdAt: NOW.toISOString(),
    expiresAt: Math.floor(NOW.getTime() / 1000) + 3600,
    ttl: 0,
    votes: [],
    ...overrides,
  }) as ApprovalRecord;

describe('the Slack approval message', () => {
  it('puts hostile finding text only in plain_text objects, escaped: no mention, link, formatting or emoji can render', () => {
    // Act
    const blocks = approvalRequestBlocks(record());
    const texts = textObjects(blocks);

    // Assess
    expect(texts.length).toBeGreaterThan(5);
    expect(texts.filter((t) => t.type === 'mrkdwn')).toEqual([]);
    for (const block of blocks as unknown as { text?: { emoji?: boolean }; fields?: { emoji?: boolean }[] }[]) {
      for (const object of [block.text, ...(block.fields ?? [])]) if (object) expect(object.emoji).toBe(false);
    }
    const all = texts.map((t) => t.text).join('\n');
    expect(all).not.toMatch(/<[!@#]/);
    expect(all).not.toContain('<https://');
    expect(all).not.toMatch(/https?:\/\/evil/);
    expect(all).not.toContain('www.evil');
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('hxxps[:]//evil[.]example');
    expect(all).not.toMatch(/[\u200b\u202e]/);
    expect(all).not.toContain(TASK_TOKEN);
  });

  it('shows a control-hygiene batch as a batch: accounts and regions, every control with its reason, escaped, no finding', () => {
    // Prepare: a batch record, its texts as hostile as a finding's
    const batch = record({
      kind: 'control-hygiene',
      finding: finding({ title: `Control hygiene: disable 12 associations ${HOSTILE}`, accountId: '222222222222, 333333333333' }),
    });

    // Act
    const blocks = approvalRequestBlocks(batch);
    const all = textObjects(blocks)
      .map((t) => t.text)
      .join('\n');

    // Assess
    expect(all).toContain('Approval needed: a control-hygiene batch');
    expect(all).toContain('Accounts: 222222222222, 333333333333');
    expect(all).toContain('Each control and why:');
    expect(all).toContain('the batch is recorded as rejected by you');
    expect(all).not.toMatch(/Finding:|the finding is noted/);
    expect(all).not.toMatch(/<[!@#]/);
    expect(all).toContain('&lt;!channel&gt;');
    expect(approvalFallbackText(batch)).toBe('hubfix: approval needed for a control-hygiene batch');
  });

  it("stays within Slack's limits: header 150, section 3000, field 2000 characters, at most 50 blocks", () => {
    // Act
    const long = record({ finding: finding({ title: 'x'.repeat(10_000), controlId: 'IAM.3' }) });
    const blocks = approvalRequestBlocks(long) as unknown as { type: string; text?: { text: string }; fields?: { text: string }[] }[];

    // Assess
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const block of blocks) {
      if (block.type === 'header') expect(block.text!.text.length).toBeLessThanOrEqual(150);
      if (block.type === 'section' && block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
      for (const field of block.fields ?? []) expect(field.text.length).toBeLessThanOrEqual(2000);
    }
    expect(JSON.stringify(blocks)).toMatch(/and (3\d) more/);
  });

  it('carries the approval id on both buttons, each with a confirmation, and drops them once decided', () => {
    // Act
    const request = approvalRequestBlocks(record());
    const dana = { name: 'Dana <!here>', email: 'dana@example.com', subject: 'U0DANA0001', channel: 'slack' as const };
    const decided = decidedBlocks(record(), 'approved', [dana], NOW);

    // Assess
    const actions = request.filter((b) => b.type === 'actions') as unknown as { elements: Record<string, unknown>[] }[];
    expect(actions).toHaveLength(1);
    expect(actions[0].elements.map((e) => [e.action_id, e.value])).toEqual([
      ['hubfix_approve', 'AbCdEfGhIjKlMnOpQrStUv'],
      ['hubfix_reject', 'AbCdEfGhIjKlMnOpQrStUv'],
    ]);
    for (const button of actions[0].elements) expect(button.confirm).toBeDefined();
    expect(decided.some((b) => b.type === 'actions')).toBe(false);
    const decidedText = textObjects(decided)
      .map((t) => t.text)
      .join('\n');
    expect(decidedText).toContain('APPROVED');
    expect(decidedText).toContain('Dana &lt;!here&gt;');
  });

  it('builds the notification text from hubfix words and the escaped control id', () => {
    expect(approvalFallbackText(record({ finding: finding({ controlId: '<!channel>' }) }))).toBe(
      'hubfix: approval needed for &lt;!channel&gt; in account 222222222222',
    );
    expect(slackText('a & b <c> d')).toBe('a &amp; b &lt;c&gt; d');
  });
});
