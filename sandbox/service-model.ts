import { NormalizedSchema } from '@smithy/core/schema';
import type { $SchemaRef, StaticOperationSchema } from '@smithy/types';

/**
 * Holds simulated requests and responses to the service model the SDK ships. The installed SDK v3 clients carry each
 * operation's input and output schema at runtime (the operation schema a Command is built with); the simulation answers
 * with plain objects that never cross the wire, so this walks them against those schemas instead: a member the model does
 * not have, a value of the wrong type, or a missing required member is a violation. On the wire an unknown member of a
 * request is dropped by the serializer and one of a response never exists, so either means the simulation (or the code
 * calling it) relies on something AWS does not do.
 */

/** Why a value does not fit its shape, with the member path that leads to it ("PasswordPolicy.MinimumPasswordLength"). */
export interface ModelViolation {
  path: string;
  problem: string;
}

/** The shape kinds a value is checked as (the model's types; enums and int widths are not told apart by the schema). */
const kindOf = (schema: NormalizedSchema): string => {
  if (schema.isUnitSchema()) return 'unit';
  if (schema.isStreaming()) return 'stream';
  if (schema.isBlobSchema()) return 'blob';
  if (schema.isTimestampSchema()) return 'timestamp';
  if (schema.isStringSchema()) return 'string';
  if (schema.isBooleanSchema()) return 'boolean';
  if (schema.isNumericSchema()) return 'number';
  if (schema.isBigIntegerSchema()) return 'bigint';
  if (schema.isBigDecimalSchema()) return 'bigdecimal';
  if (schema.isDocumentSchema()) return 'document';
  if (schema.isListSchema()) return 'list';
  if (schema.isMapSchema()) return 'map';
  if (schema.isUnionSchema()) return 'union';
  if (schema.isStructSchema()) return 'structure';
  return 'unknown';
};

const describe = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date';
  if (value instanceof Uint8Array) return 'bytes';
  return `a ${typeof value}`;
};

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof Uint8Array);

/** The names of a structure's required members: a static structure schema lists them first and counts them at index 6. */
const requiredMembers = (schema: NormalizedSchema): Set<string> => {
  const raw = schema.getSchema() as unknown[];
  const names = (raw[4] ?? []) as string[];
  const count = typeof raw[6] === 'number' ? raw[6] : 0;
  return new Set(names.slice(0, count));
};

/**
 * Members the model marks required that AWS documents as absent in some answers: GetServiceLastAccessedDetails'
 * JobCompletionDate "is null if the job is still in progress" (IAM API reference). Only these are let through.
 */
const DOCUMENTED_ABSENT: Readonly<Record<string, readonly string[]>> = {
  GetServiceLastAccessedDetailsResponse: ['JobCompletionDate'],
};

const join = (path: string, member: string): string => (path ? `${path}.${member}` : member);

const checkValue = (schema: NormalizedSchema, value: unknown, path: string, out: ModelViolation[]): void => {
  if (value === undefined) return;
  const kind = kindOf(schema);
  const wrong = (expected: string) => out.push({ path, problem: `expected ${expected}, got ${describe(value)}` });
  switch (kind) {
    case 'string':
      if (typeof value !== 'string') wrong('a string');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') wrong('a boolean');
      return;
    case 'number':
      if (typeof value !== 'number' || Number.isNaN(value)) wrong('a number');
      return;
    case 'bigint':
      if (typeof value !== 'bigint') wrong('a bigint');
      return;
    case 'bigdecimal':
      if (typeof value !== 'string') wrong('a decimal string');
      return;
    case 'timestamp':
      // The SDK's deserializers hand every timestamp over as a Date; a request may pass a Date (or what the SDK converts).
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) wrong('a Date');
      return;
    case 'blob':
      if (!(value instanceof Uint8Array) && typeof value !== 'string') wrong('bytes');
      return;
    case 'stream':
    case 'document':
      return;
    case 'list':
      if (!Array.isArray(value)) return void wrong('a list');
      value.forEach((item, i) => checkValue(schema.getValueSchema(), item, `${path}[${i}]`, out));
      return;
    case 'map':
      if (!isPlainObject(value)) return void wrong('a map');
      for (const [key, item] of Object.entries(value)) checkValue(schema.getValueSchema(), item, join(path, key), out);
      return;
    case 'union':
    case 'structure':
      if (!isPlainObject(value)) return void wrong(`structure ${schema.getName() ?? ''}`.trim());
      checkStructure(schema, value, path, out, kind === 'union');
      return;
    case 'unit':
      if (isPlainObject(value) && Object.keys(value).length > 0) out.push({ path, problem: 'the operation takes no members' });
      return;
    default:
      out.push({ path, problem: `a shape the checker does not know (${schema.getName(true) ?? 'unnamed'})` });
  }
};

const checkStructure = (schema: NormalizedSchema, value: Record<string, unknown>, path: string, out: ModelViolation[], union: boolean) => {
  const members = new Map(schema.structIterator());
  for (const [name, item] of Object.entries(value)) {
    if (name === '$metadata' && !path) continue;
    const member = members.get(name);
    if (!member) {
      out.push({ path: join(path, name), problem: `${schema.getName() ?? 'the structure'} has no member ${name}` });
      continue;
    }
    checkValue(member, item, join(path, name), out);
  }
  const absentAllowed = DOCUMENTED_ABSENT[schema.getName() ?? ''] ?? [];
  for (const name of requiredMembers(schema)) {
    if (value[name] === undefined && !absentAllowed.includes(name))
      out.push({ path: join(path, name), problem: `required member missing` });
  }
  if (union && Object.values(value).filter((v) => v !== undefined).length !== 1)
    out.push({ path, problem: 'a union holds exactly one member' });
};

/** The violations of `value` against a shape (an operation's input or output schema); none: it fits. */
export const modelViolations = (shape: $SchemaRef, value: unknown): ModelViolation[] => {
  const out: ModelViolation[] = [];
  const schema = NormalizedSchema.of(shape);
  if (schema.isUnitSchema()) {
    checkValue(schema, value, '', out);
    return out;
  }
  checkValue(schema, value ?? {}, '', out);
  return out;
};

/** An operation's input and output shapes, from the schema its Command carries. */
export const operationShapes = (operation: unknown): { input: $SchemaRef; output: $SchemaRef } | undefined => {
  if (!Array.isArray(operation) || operation[0] !== 9) return undefined;
  const [, , , , input, output] = operation as StaticOperationSchema;
  return { input, output };
};

/** A simulated request or response that AWS's model says cannot be: a bug in the simulation or in the call, never retried. */
export class ServiceModelViolation extends Error {
  constructor(
    readonly operation: string,
    readonly direction: 'request' | 'response',
    readonly violations: ModelViolation[],
  ) {
    super(
      `The simulated ${operation} ${direction} does not fit the service model the SDK ships: ` +
        violations.map((v) => `${v.path || '(top)'}: ${v.problem}`).join('; '),
    );
    this.name = 'ServiceModelViolation';
  }
}
