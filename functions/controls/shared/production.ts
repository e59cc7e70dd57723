import type { HubfixConfig } from '../../platform/config';
import type { Evidence } from '../../findings/types';

export type Tags = Record<string, string>;

/** "environment=production" when the tags mark a production resource by the configured keys and values; else undefined. */
export const productionMarker = (tags: Tags, config: HubfixConfig): string | undefined => {
  const keys = new Set(config.production.tagKeys.map((k) => k.toLowerCase()));
  const values = new Set(config.production.tagValues.map((v) => v.toLowerCase()));
  const hit = Object.entries(tags).find(([key, value]) => keys.has(key.toLowerCase()) && values.has(value.toLowerCase()));
  return hit ? `${hit[0]}=${hit[1]}` : undefined;
};

/** The evidence that the configuration lists the account as production (`production.accountIds`); none when it does not. */
export const productionAccountEvidence = (accountId: string, config: HubfixConfig): Evidence[] =>
  config.production.accountIds.includes(accountId)
    ? [{ fact: `Account ${accountId} is listed as production in the hubfix configuration.`, source: 'hubfix config production.accountIds' }]
    : [];
