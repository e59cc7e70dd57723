import * as z from 'zod';

/** A fixture date: ISO 8601, or relative to the sandbox clock so a fixture stays true over time. */
export const fixtureDate = z
  .string()
  .regex(/^(now(-\d+[dhm])?|\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?)$/, 'an ISO 8601 date or now-<n>d / now-<n>h / now-<n>m')
  .describe('ISO 8601 date, or relative to the sandbox clock: "now", "now-120d", "now-3h", "now-15m"');

export const resolveDate = (value: string, now: Date): Date => {
  const match = /^now(?:-(\d+)([dhm]))?$/.exec(value);
  if (!match) return new Date(value);
  const unitMs = { d: 86_400_000, h: 3_600_000, m: 60_000 }[(match[2] ?? 'd') as 'd' | 'h' | 'm'];
  return new Date(now.getTime() - Number(match[1] ?? 0) * unitMs);
};

export const tagsSchema = z.record(z.string(), z.string()).default({}).describe('Tags as key: value');
