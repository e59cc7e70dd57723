import { slackSignature, verifySlackSignature } from '../../functions/approval/slack/signature';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const NOW = new Date('2026-11-30T12:00:00.000Z');
const TS = String(Math.floor(NOW.getTime() / 1000));
const BODY = 'payload=%7B%22type%22%3A%22block_actions%22%7D';

describe('Slack request signatures (v0)', () => {
  it("matches the worked example of Slack's documentation", () => {
    // From "Verifying requests from Slack": the slash-command body, timestamp and secret, and the signature Slack sent.
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
      '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com' +
      '%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
      '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';

    expect(slackSignature(SECRET, '1531420618', body)).toBe('v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503');
  });

  it('accepts the signature of this body and timestamp', () => {
    expect(verifySlackSignature(SECRET, TS, slackSignature(SECRET, TS, BODY), BODY, NOW)).toEqual({ ok: true, timestamp: Number(TS) });
  });

  it.each([
    ['another secret', slackSignature('another-secret-0000000000000000000', TS, BODY), BODY],
    ['a changed body', slackSignature(SECRET, TS, BODY), `${BODY}x`],
    ['another timestamp', slackSignature(SECRET, String(Number(TS) - 1), BODY), BODY],
  ])('refuses a signature made with %s', (_name, signature, body) => {
    expect(verifySlackSignature(SECRET, TS, signature, body, NOW)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it.each([
    ['301 s old', -301],
    ['301 s ahead', 301],
    ['a day old', -86_400],
  ])('refuses a correctly signed request whose timestamp is %s', (_name, offset) => {
    const ts = String(Number(TS) + offset);
    expect(verifySlackSignature(SECRET, ts, slackSignature(SECRET, ts, BODY), BODY, NOW)).toEqual({ ok: false, reason: 'stale' });
  });

  it('accepts a timestamp at the edge of the 5-minute window', () => {
    const ts = String(Number(TS) - 300);
    expect(verifySlackSignature(SECRET, ts, slackSignature(SECRET, ts, BODY), BODY, NOW).ok).toBe(true);
  });

  it.each([
    ['no signature', TS, undefined, 'missing'],
    ['no timestamp', undefined, 'v0=00', 'missing'],
    ['a v1 signature', TS, `v1=${'0'.repeat(64)}`, 'malformed'],
    ['a short signature', TS, 'v0=abc', 'malformed'],
    ['upper-case hex', TS, `v0=${'A'.repeat(64)}`, 'malformed'],
    ['a timestamp that is not a number', '1e9', `v0=${'0'.repeat(64)}`, 'malformed'],
  ])('refuses %s without computing anything', (_name, ts, signature, reason) => {
    expect(verifySlackSignature(SECRET, ts, signature, BODY, NOW)).toEqual({ ok: false, reason });
  });
});
