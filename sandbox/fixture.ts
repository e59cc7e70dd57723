import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { serviceModules } from './simulated/modules';

/**
 * The simulated organization's fixture: a JSON file describing, per account, the resources the controls
 * read and change (one section per service module, see ./simulated/modules.ts), plus the findings already in
 * Security Hub. Dates are ISO 8601 or relative to the sandbox clock ("now-120d"), so a fixture stays
 * true over time. `hubfix fixture-schema` prints this as JSON Schema (docs/fixture.schema.json).
 */
/** Whether the hubfix member stack is deployed in the account: `false`, or one role missing, makes AssumeRole fail as in AWS. */
const memberRolesSchema = z
  .union([
    z.boolean(),
    z.object({ inspect: z.boolean().default(true), remediate: z.boolean().default(true), hygiene: z.boolean().default(true) }).strict(),
  ])
  .default(true)
  .describe(
    'The hubfix member roles (hubfix-inspect, hubfix-remediate, hubfix-hygiene) in this account; false: the member stack is not deployed',
  );

const accountSchema = z
  .object({
    name: z.string().default('simulated'),
    memberRoles: memberRolesSchema,
    ...Object.fromEntries(serviceModules.map((module) => [module.key, module.fixture])),
  })
  .strict();

export const fixtureSchema = z
  .object({
    $schema: z.string().optional(),
    description: z.string().optional(),
    /** The account hubfix runs in (Security Hub administrator); findings are annotated there. */
    homeAccountId: z
      .string()
      .regex(/^\d{12}$/)
      .default('111111111111'),
    homeRegion: z.string().default('us-east-1'),
    accounts: z.record(z.string().regex(/^\d{12}$/, 'a 12-digit account id'), accountSchema).default({}),
    /** ASFF findings already in Security Hub (events may also bring their own). */
    findings: z.array(z.record(z.string(), z.unknown())).default([]),
  })
  .strict();

export type Fixture = z.infer<typeof fixtureSchema>;
export type AccountFixture = z.infer<typeof accountSchema>;

export const parseFixture = (raw: unknown, source = 'fixture'): Fixture => {
  const result = fixtureSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`Invalid ${source}: ${problems.join('; ')}`);
  }
  return result.data;
};

export const loadFixture = (path: string): Fixture => parseFixture(JSON.parse(readFileSync(path, 'utf8')), path);

/** The fixture format as JSON Schema, for editors and the docs. */
export const fixtureJsonSchema = (): Record<string, unknown> => z.toJSONSchema(fixtureSchema, { io: 'input' });
