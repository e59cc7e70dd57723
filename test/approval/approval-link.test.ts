import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import {
  approvalLink,
  createApprovalId,
  isApprovalId,
  signApproval,
  verifyApprovalSignature,
} from '../../functions/approval/approval-link';

const SECRET = 'link-secret-for-tests-0123456789abcdef';
const NOW = new Date('2025-03-01T12:00:00Z');
const NOW_S = NOW.getTime() / 1000;

describe('approval ids', () => {
  it('are 128 random bits, base64url, never repeated', () => {
    // Act
    const ids = Array.from({ length: 500 }, createApprovalId);

    // Assess
    expect(new Set(ids).size).toBe(500);
    for (const id of ids) {
      expect(isApprovalId(id)).toBe(true);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
  });
});

describe('approvalLink', () => {
  it('points at the confirmation page and carries expiry and signature, nothing else', () => {
    // Prepare
    const id = createApprovalId();

    // Act
    const link = new URL(approvalLink('https://api.example.com/prod/', id, NOW_S + 3600, SECRET));

    // Assess
    expect(link.origin + link.pathname).toBe(`https://api.example.com/prod/approvals/${id}`);
    expect([...link.searchParams.keys()]).toEqual(['e', 's']);
    expect(link.searchParams.get('e')).toBe(String(NOW_S + 3600));
    expect(link.searchParams.get('s')).toBe(signApproval(SECRET, id, NOW_S + 3600));
  });

  it('signs HMAC-SHA256 over "v1|id|expires" in base64url', () => {
    // Act
    const signature = signApproval(SECRET, 'abc', 42);

    // Assess
    expect(signature).toBe(createHmac('sha256', SECRET).update('v1|abc|42').digest('base64url'));
    expect(signature).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('verifyApprovalSignature', () => {
  const id = createApprovalId();
  const expires = NOW_S + 600;
  const signature = signApproval(SECRET, id, expires);

  it('accepts a valid, unexpired link', () => {
    expect(verifyApprovalSignature(SECRET, id, String(expires), signature, NOW)).toEqual({ ok: true });
  });

  it('rejects an expired link, including at the exact second of expiry', () => {
    expect(verifyApprovalSignature(SECRET, id, String(expires), signature, new Date(expires * 1000))).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(verifyApprovalSignature(SECRET, id, String(expires), signature, new Date(expires * 1000 + 5000))).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('rejects a link whose expiry was extended', () => {
    expect(verifyApprovalSignature(SECRET, id, String(expires + 86400), signature, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it("rejects another approval's signature", () => {
    // Prepare
    const other = createApprovalId();

    // Act / Assess
    expect(verifyApprovalSignature(SECRET, other, String(expires), signature, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a signature made with another key', () => {
    expect(verifyApprovalSignature('another-secret-0123456789abcdefghij', id, String(expires), signature, NOW)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it.each([
    ['missing signature', String(expires), undefined],
    ['missing expiry', undefined, signature],
    ['truncated signature', String(expires), signature.slice(0, -1)],
    ['padded signature', String(expires), `${signature}=`],
    ['non-numeric expiry', 'soon', signature],
    ['negative expiry', `-${expires}`, signature],
    ['fractional expiry', `${expires}.0`, signature],
  ])('rejects a malformed link: %s', (_name, e, s) => {
    expect(verifyApprovalSignature(SECRET, id, e, s, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('rejects a malformed approval id', () => {
    expect(verifyApprovalSignature(SECRET, '../etc/passwd', String(expires), signature, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('never accepts a signature it did not make (property)', () => {
    fc.assert(
      fc.property(
        fc.string({
          minLength: 43,
          maxLength: 43,
          unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
        }),
        (forged) => {
          fc.pre(forged !== signature);
          expect(verifyApprovalSignature(SECRET, id, String(expires), forged, NOW).ok).toBe(false);
        },
      ),
    );
  });
});
