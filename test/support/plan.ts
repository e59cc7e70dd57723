import type { Plan } from '../../functions/findings/types';

/** The plan of an assessment that must have one: fails the test clearly instead of a `!` assertion. */
export const planned = (plan: Plan | undefined): Plan => {
  if (!plan) throw new Error('expected a plan');
  return plan;
};
