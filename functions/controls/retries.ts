/** Same value once both cross a JSON boundary (plans and change records do). */
export const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Where a change starts from (types.ts, retries, rule 2): the live value while it still differs from the target; once the
 * live value is at the target (an earlier attempt of the same step made it), the value seen before that attempt, when
 * the plan or change record says what it was.
 */
export const startingPoint = <T>(live: T, target: T, seenBefore: T | undefined, same: (a: T, b: T) => boolean = sameJson): T =>
  seenBefore !== undefined && same(live, target) ? seenBefore : live;

type Kinds = { boolean: boolean; string: string; object: Record<string, unknown> };

/**
 * One value of what a plan says it replaces (`parameters.observed`, see types.ts), if it says so with the expected type;
 * undefined for a plan that carries no such observation.
 */
export const observedOf = <K extends keyof Kinds>(parameters: Record<string, unknown>, key: string, kind: K): Kinds[K] | undefined => {
  const observed = parameters.observed;
  if (typeof observed !== 'object' || observed === null) return undefined;
  const value = (observed as Record<string, unknown>)[key];
  return typeof value === kind && value !== null ? (value as Kinds[K]) : undefined;
};

/** The raw value of `parameters.observed[key]` (null included: "there was none"), or undefined when the plan does not say. */
export const observedValue = (parameters: Record<string, unknown>, key: string): unknown => {
  const observed = parameters.observed;
  return typeof observed === 'object' && observed !== null && key in observed ? ((observed as Record<string, unknown>)[key] ?? null) : undefined;
};
