import type * as z from 'zod';

/** Where a simulated command runs: the account (credentials) and region of the client that sent it. */
export interface SimContext {
  accountId: string;
  region: string;
}

export type Command = (input: Record<string, unknown>, ctx: SimContext) => Promise<Record<string, unknown>> | Record<string, unknown>;
export type ServiceCommands = Record<string, Command>;

/** What a module may see of the organization beyond its own slice: Security Hub's findings (to archive or restore them). */
export interface SimOrganization {
  findings(): Iterable<{ finding: Record<string, unknown> }>;
}

/** An error shaped like the SDK's service exceptions, so code under test sees what AWS would throw. */
export class SimulatedServiceError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata = { httpStatusCode: 400 };
  readonly $retryable?: { throttling: boolean };
  constructor(name: string, message: string, options: { fault?: 'client' | 'server'; throttling?: boolean } = {}) {
    super(message);
    this.name = name;
    this.$fault = options.fault ?? 'client';
    if (options.throttling) this.$retryable = { throttling: true };
  }
}

/**
 * One slice of the simulated account: its fixture section (per account, under `key`), its in-memory
 * state, and the SDK commands it answers. Several modules may serve one client (EC2 instances, security
 * groups and flow logs are separate modules of EC2Client) as long as their command names differ.
 * Adding a simulated resource is one module and one line in ./modules.ts.
 */
export interface ServiceModule<Fixture = unknown, State = unknown> {
  /** Fixture key under each account, e.g. "iam"; also the key of its state and snapshot. */
  key: string;
  clientName: string;
  /** zod schema of the fixture section; every field defaulted so an account may omit it. */
  fixture: z.ZodType<Fixture>;
  load(fixture: Fixture, now: Date): State;
  /** `state(accountId)` throws AccessDenied for an account outside the simulated organization. */
  commands(state: (accountId: string) => State, now: () => Date, org: SimOrganization): ServiceCommands;
  /** What a control can change, compactly, for before/after reports (absent: nothing to report). */
  snapshot?(state: State): Record<string, unknown>;
}

/** Defines a module with its types inferred from the fixture schema. */
export const defineModule = <S extends z.ZodType, State>(
  module: ServiceModule<z.infer<S>, State> & { fixture: S },
): ServiceModule<z.infer<S>, State> => module;

/** Tags as an SDK Tag list. */
export const tagList = (tags: Record<string, string>): { Key: string; Value: string }[] =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
