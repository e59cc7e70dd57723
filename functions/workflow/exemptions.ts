import type { HubfixConfig } from '../platform/config';
import type { FindingRef } from '../findings/types';

/**
 * Exemptions: a person decided a resource (or account) must not be changed, for a reason, until a date.
 * Two sources, one meaning: a resource tag (key `exemptionTagKey`, value
 * `until=2027-03-01; reason=legacy vendor appliance; by=alice@example.com`) or an entry in the configuration.
 * An expired exemption is ignored, and the note says so.
 */
export interface Exemption {
  until: Date;
  reason: string;
  by: string;
  /** Where it was found, for the note: "tag hubfix:exempt" or "configuration exemptions[2]". */
  source: string;
}

export type ExemptionCheck =
  { status: 'none'; problems: string[] } | { status: 'active'; exemption: Exemption } | { status: 'expired'; exemption: Exemption };

const DAY_MS = 86_400_000;

/** "until=2027-03-01; reason=...; by=..." → the exemption, or why it is not one. */
export const parseExemptionTag = (value: string, source: string): Exemption | { problem: string } => {
  const fields = Object.fromEntries(
    value
      .split(';')
      .map((part) => part.split('='))
      .filter((pair) => pair.length >= 2)
      .map(([key, ...rest]) => [key.trim().toLowerCase(), rest.join('=').trim()]),
  );
  const until = /^\d{4}-\d{2}-\d{2}$/.test(fields.until ?? '') ? new Date(`${fields.until}T00:00:00Z`) : undefined;
  if (!until || Number.isNaN(until.getTime())) return { problem: `${source} has no valid until=YYYY-MM-DD date, so it exempts nothing` };
  if (!fields.reason) return { problem: `${source} gives no reason=, so it exempts nothing` };
  return { until, reason: fields.reason, by: fields.by || 'unknown', source };
};

/** Whether the finding's resource or account is exempt for this control now. Tags are the resource's live tags. */
export const checkExemption = (finding: FindingRef, tags: Record<string, string>, config: HubfixConfig, now: Date): ExemptionCheck => {
  const problems: string[] = [];
  const candidates: Exemption[] = [];
  const tagValue = Object.entries(tags).find(([key]) => key.toLowerCase() === config.exemptionTagKey.toLowerCase())?.[1];
  if (tagValue !== undefined) {
    const parsed = parseExemptionTag(tagValue, `tag ${config.exemptionTagKey}`);
    if ('problem' in parsed) problems.push(parsed.problem);
    else candidates.push(parsed);
  }
  config.exemptions.forEach((entry, index) => {
    const matches =
      (entry.accountId === undefined || entry.accountId === finding.accountId) &&
      (entry.resource === undefined || entry.resource === finding.resource.id || entry.resource === finding.resource.canonicalId) &&
      (entry.controlIds === undefined || entry.controlIds.includes(finding.controlId));
    if (matches) {
      candidates.push({
        until: new Date(`${entry.until}T00:00:00Z`),
        reason: entry.reason,
        by: entry.by,
        source: `configuration exemptions[${index}]`,
      });
    }
  });
  // An exemption holds through its `until` day.
  const active = candidates.find((e) => e.until.getTime() + DAY_MS > now.getTime());
  if (active) return { status: 'active', exemption: active };
  const expired = candidates.sort((a, b) => b.until.getTime() - a.until.getTime())[0];
  return expired ? { status: 'expired', exemption: expired } : { status: 'none', problems };
};

export const describeExemption = (e: Exemption): string =>
  `exempt until ${e.until.toISOString().slice(0, 10)} by ${e.by}: "${e.reason}" (${e.source})`;
