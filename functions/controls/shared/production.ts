import type { HubfixConfig } from '../../platform/config';

export type Tags = Record<string, string>;

/** "environment=production" when the tags mark a production resource by the configured keys and values; else undefined. */
export const productionMarker = (tags: Tags, config: HubfixConfig): string | undefined => {
  const keys = new Set(config.production.tagKeys.map((k) => k.toLowerCase()));
  const values = new Set(config.production.tagValues.map((v) => v.toLowerCase()));
  const hit = Object.entries(tags).find(([key, value]) => keys.has(key.toLowerCase()) && values.has(value.toLowerCase()));
  return hit ? `${hit[0]}=${hit[1]}` : undefined;
};
