import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The simulated account's fixture: a JSON file describing the resources the controls read and change.
 * Dates are ISO 8601 or relative to the sandbox clock ("now-120d", "now-3h"), so a fixture stays true
 * over time. `npm run fixture-schema` (hubfix fixture-schema) prints this as JSON Schema.
 */
const relativeDate = z
  .string()
  .regex(/^(now(-\d+[dhm])?|\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?)$/, 'an ISO 8601 date or now-<n>d / now-<n>h / now-<n>m')
  .describe('ISO 8601 date, or relative to the sandbox clock: "now", "now-120d", "now-3h", "now-15m"');

const tags = z.record(z.string(), z.string()).default({}).describe('Tags as key: value');

const accessKeySchema = z.object({
  accessKeyId: z.string().regex(/^AKIA[A-Z0-9]{12,}$/, 'an access key id such as AKIAIOSFODNN7EXAMPLE'),
  status: z.enum(['Active', 'Inactive']).default('Active'),
  createDate: relativeDate,
  lastUsed: z
    .object({ date: relativeDate, serviceName: z.string(), region: z.string() })
    .optional()
    .describe('Absent: the key was never used'),
});

const userSchema = z.object({
  userName: z.string().min(1),
  path: z.string().default('/'),
  tags,
  accessKeys: z.array(accessKeySchema).default([]),
});

const trailEventSchema = z.object({
  eventTime: relativeDate,
  eventSource: z.string().describe('e.g. s3.amazonaws.com'),
  eventName: z.string(),
  accessKeyId: z.string().optional(),
  userName: z.string().optional(),
  sourceIPAddress: z.string().default('203.0.113.10'),
  userAgent: z.string().default('aws-cli/2.15.0'),
  region: z.string().default('us-east-1'),
});

const instanceSchema = z.object({
  instanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/),
  region: z.string().default('us-east-1'),
  state: z.enum(['pending', 'running', 'stopping', 'stopped', 'terminated']).default('running'),
  privateIpAddress: z.string().optional(),
  publicIpAddress: z.string().optional(),
  tags,
});

const accountSchema = z.object({
  name: z.string().default('simulated'),
  iam: z.object({ users: z.array(userSchema).default([]) }).prefault({}),
  cloudtrail: z.object({ events: z.array(trailEventSchema).default([]) }).prefault({}),
  ec2: z.object({ instances: z.array(instanceSchema).default([]) }).prefault({}),
});

export const fixtureSchema = z
  .object({
    $schema: z.string().optional(),
    description: z.string().optional(),
    /** The account hubfix runs in (Security Hub administrator); findings are annotated there. */
    homeAccountId: z.string().regex(/^\d{12}$/).default('111111111111'),
    homeRegion: z.string().default('us-east-1'),
    accounts: z.record(z.string().regex(/^\d{12}$/), accountSchema).default({}),
    /** ASFF findings already in Security Hub (events may also bring their own). */
    findings: z.array(z.record(z.string(), z.unknown())).default([]),
  })
  .strict();

export type Fixture = z.infer<typeof fixtureSchema>;
export type AccountFixture = z.infer<typeof accountSchema>;
export type UserFixture = z.infer<typeof userSchema>;

export const parseFixture = (raw: unknown, source = 'fixture'): Fixture => {
  const result = fixtureSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`Invalid ${source}: ${problems.join('; ')}`);
  }
  return result.data;
};

export const loadFixture = (path: string): Fixture => parseFixture(JSON.parse(readFileSync(path, 'utf8')), path);

/** The fixture format as JSON Schema (draft 2020-12), for editors and for documentation. */
export const fixtureJsonSchema = (): Record<string, unknown> => z.toJSONSchema(fixtureSchema, { io: 'input' });

/** Resolves a fixture date against the sandbox clock. */
export const resolveDate = (value: string, now: Date): Date => {
  const match = /^now(?:-(\d+)([dhm]))?$/.exec(value);
  if (!match) return new Date(value);
  const unitMs = { d: 86_400_000, h: 3_600_000, m: 60_000 }[(match[2] ?? 'd') as 'd' | 'h' | 'm'];
  return new Date(now.getTime() - Number(match[1] ?? 0) * unitMs);
};
