import type { Evidence } from './types';

/** "iam:GetAccessKeyLastUsed; in us-east-1, eu-west-1; over the last 90 days": the source line every sink shows. */
export const evidenceSource = (e: Evidence): string =>
  [e.source, e.where ? `in ${e.where}` : undefined, e.window ? `over ${e.window}` : undefined].filter(Boolean).join('; ');

/** The facts of the signals that could not be read: what nobody saw. */
export const unseenSignals = (evidence: Evidence[]): string[] => evidence.filter((e) => e.unseen).map((e) => e.fact);
