/** Same value once both cross a JSON boundary (plans and change records do). */
export const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Where a change starts from (types.ts, retries, rule 2): the live value while it still differs from the target; once the
 * live value is at the target (an earlier attempt of the same step made it), the value seen before that attempt, when
 * the plan or change record says what it was.
 */
export const startingPoint = <T>(live: T, target: T, seenBefore: T | undefined, same: (a: T, b: T) => boolean = sameJson): T =>
  seenBefore !== undefined && same(live, target) ? seenBefore : live;
