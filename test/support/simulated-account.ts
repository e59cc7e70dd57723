import type { ClientFactory } from '../../functions/platform/clients';
import { defaultConfig, type HubfixConfig } from '../../functions/platform/config';
import type { ControlContext } from '../../functions/controls/types';
import { parseFixture } from '../../sandbox/fixture';
import { SimulatedAws } from '../../sandbox/simulated-aws';
import { simulatedClientFactory } from '../../sandbox/simulated-clients';
import { HOME_ACCOUNT, HOME_REGION } from './workflow';

export const NOW = new Date('2026-11-22T12:00:00.000Z');

/** A simulated account (no DynamoDB, no workflow) and a control context over it, for plugin unit tests. */
export const simulatedAccount = (
  accounts: Record<string, unknown>,
  config: HubfixConfig = defaultConfig(),
): { sim: SimulatedAws; clients: ClientFactory; ctx: ControlContext } => {
  const sim = new SimulatedAws(parseFixture({ homeAccountId: HOME_ACCOUNT, homeRegion: HOME_REGION, accounts }), () => NOW);
  const clients = simulatedClientFactory(sim, {
    homeAccountId: HOME_ACCOUNT,
    homeRegion: HOME_REGION,
    dynamoEndpoint: 'http://127.0.0.1:9',
  });
  return { sim, clients, ctx: { clients, config, now: () => NOW } };
};
