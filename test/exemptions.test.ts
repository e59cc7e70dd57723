import { parseConfig } from '../functions/platform/config';
import { checkExemption, parseExemptionTag } from '../functions/workflow/exemptions';
import type { FindingRef } from '../functions/findings/types';

const NOW = new Date('2026-11-22T12:00:00Z');
const finding = { accountId: '111111111111', controlId: 'IAM.3', resource: { id: 'arn:aws:iam::111111111111:user/u' } } as FindingRef;

describe('exemption tags', () => {
  it('reads until, reason and by, in any order and case', () => {
    expect(parseExemptionTag(' Reason=vendor appliance; by=alice@example.com ;until=2027-03-01', 'tag')).toEqual({
      until: new Date('2027-03-01T00:00:00Z'),
      reason: 'vendor appliance',
      by: 'alice@example.com',
      source: 'tag',
    });
  });

  it.each([
    ['reason=x; by=y', 'no valid until'],
    ['until=2027-13-45; reason=x', 'no valid until'],
    ['until=2027-03-01; by=y', 'gives no reason'],
  ])('refuses %j: it exempts nothing', (value, problem) => {
    expect(parseExemptionTag(value, 'tag')).toEqual({ problem: expect.stringContaining(problem) });
  });
});

describe('checkExemption', () => {
  const config = parseConfig({
    exemptions: [
      { accountId: '222222222222', until: '2030-01-01', reason: 'sandbox account', by: 'platform' },
      { resource: 'arn:aws:iam::111111111111:user/u', controlIds: ['IAM.22'], until: '2030-01-01', reason: 'break-glass user', by: 'ciso' },
    ],
  });

  it('honours a tag exemption through its until day', () => {
    const result = checkExemption(finding, { 'hubfix:exempt': 'until=2026-11-22; reason=migration; by=bob' }, config, NOW);
    expect(result).toMatchObject({ status: 'active', exemption: { reason: 'migration', by: 'bob', source: 'tag hubfix:exempt' } });
  });

  it('reports an expired exemption so the note can say it was ignored', () => {
    const result = checkExemption(finding, { 'HUBFIX:EXEMPT': 'until=2026-11-01; reason=old; by=bob' }, config, NOW);
    expect(result).toMatchObject({ status: 'expired', exemption: { reason: 'old' } });
  });

  it('matches configuration entries by account, resource and control', () => {
    expect(checkExemption({ ...finding, accountId: '222222222222' }, {}, config, NOW)).toMatchObject({
      status: 'active',
      exemption: { source: 'configuration exemptions[0]' },
    });
    expect(checkExemption({ ...finding, controlId: 'IAM.22' }, {}, config, NOW)).toMatchObject({
      status: 'active',
      exemption: { reason: 'break-glass user' },
    });
    expect(checkExemption(finding, {}, config, NOW)).toEqual({ status: 'none', problems: [] });
  });

  it('rejects a configuration entry that names neither an account nor a resource', () => {
    expect(() => parseConfig({ exemptions: [{ until: '2030-01-01', reason: 'r', by: 'b' }] })).toThrow(
      'an exemption names an accountId or a resource',
    );
  });
});
