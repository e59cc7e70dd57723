import * as z from 'zod';
import type { ChangeRecord } from './types';

/**
 * A change record as it crosses a step boundary (the Remediate output, an undo plan, an audit record): the envelope
 * every control shares, with `before` and `after` described by `side` (a control's changeSchema, or z.unknown() where
 * only the envelope is checked).
 */
export const changeRecordSchema = <S>(side: z.ZodType<S>): z.ZodType<ChangeRecord<S>> =>
  z.object({ summary: z.string(), before: side, after: side, changedAt: z.string(), reversible: z.boolean() });

/** "parameters.change.before.userName: expected string": zod issues, one line, for an error message. */
export const issuesOf = (error: z.ZodError): string =>
  error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`)
    .join('; ');
