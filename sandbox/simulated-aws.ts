import { randomBytes, randomUUID } from 'node:crypto';
import { MEMBER_ROLE_NAMES, type Access } from '../functions/platform/clients';
import type { AccountFixture, Fixture } from './fixture';
import { serviceModules } from './simulated/modules';
import { SimulatedServiceError, type ServiceCommands, type SimContext } from './simulated/service';

export { SimulatedServiceError, type ServiceCommands, type SimContext } from './simulated/service';

/**
 * A typed in-memory model of the AWS organization hubfix works in, answering SDK commands by name
 * ("IAMClient", "ListAccessKeysCommand"). Per-account resources live in service modules
 * (./simulated/); Security Hub, SNS and Secrets Manager are hubfix's own account's. It mimics AWS where
 * hubfix depends on it: error names, page limits, what a change does to a later read. Unimplemented
 * commands fail loudly.
 */

export interface FindingRecord {
  finding: Record<string, unknown>;
  /** Every BatchUpdateFindings applied to it, oldest first. */
  updates: Record<string, unknown>[];
}

export interface PublishedMessage {
  topicArn: string;
  subject?: string;
  message: string;
  at: Date;
}

export interface ServedCall {
  service: string;
  command: string;
  accountId: string;
  region: string;
}

/** Runs before every command; throwing from it injects a fault (throttling, access denied, …). */
export type FaultInjector = (call: ServedCall, input: Record<string, unknown>) => void;

interface AccountState {
  name: string;
  states: Map<string, unknown>;
  /** The hubfix member roles that exist in the account (the member stack creates both). */
  memberRoles: Set<string>;
}

/** A session STS handed out: which role in which account its temporary credentials act as. */
export interface RoleSession {
  accountId: string;
  roleName: string;
  sessionName: string;
  expiration: Date;
}

export class SimulatedAws {
  readonly accounts = new Map<string, AccountState>();
  readonly findings = new Map<string, FindingRecord>();
  readonly published: PublishedMessage[] = [];
  readonly secrets = new Map<string, string>();
  /** Every command served, in order: the bench counts API calls per finding from this. */
  readonly calls: ServedCall[] = [];
  /** Sessions of AssumeRole, by the access key id of their temporary credentials. */
  readonly roleSessions = new Map<string, RoleSession>();
  faults?: FaultInjector;
  /**
   * When true, a hubfix-inspect session may only read (Get, List, Describe, Lookup): the member stack's read-only role.
   * Off by default because tests call plugins' remediate and rollback directly with the workflow's clients.
   */
  strictMemberRoles = false;
  private readonly services = new Map<string, ServiceCommands>();

  constructor(
    fixture: Fixture,
    readonly now: () => Date,
  ) {
    for (const [accountId, account] of Object.entries(fixture.accounts)) this.addAccount(accountId, account);
    for (const finding of fixture.findings) this.importFinding(finding);
    for (const module of serviceModules) {
      this.serve(
        module.clientName,
        module.commands((accountId) => this.account(accountId).states.get(module.key), now, { findings: () => this.findings.values() }),
      );
    }
    this.serve('SecurityHubClient', this.securityHub());
    this.serve('SNSClient', this.sns());
    this.serve('SecretsManagerClient', this.secretsManager());
    this.serve('STSClient', this.sts());
  }

  /** Adds command implementations for a client; two implementations of one command are a bug. */
  serve(clientName: string, commands: ServiceCommands): void {
    const existing = this.services.get(clientName) ?? {};
    const clash = Object.keys(commands).find((name) => name in existing);
    if (clash) throw new Error(`Two simulated implementations of ${clientName}.${clash}`);
    this.services.set(clientName, { ...existing, ...commands });
  }

  async handle(clientName: string, commandName: string, input: Record<string, unknown>, ctx: SimContext): Promise<Record<string, unknown>> {
    const call = { service: clientName.replace(/Client$/, ''), command: commandName.replace(/Command$/, ''), ...ctx };
    this.calls.push(call);
    this.faults?.(call, input);
    const command = this.services.get(clientName)?.[call.command];
    if (!command)
      throw new SimulatedServiceError('NotImplemented', `The simulated account does not implement ${clientName}.${commandName}`);
    return command(input, ctx);
  }

  addAccount(accountId: string, fixture: AccountFixture): void {
    const now = this.now();
    const sections = fixture as unknown as Record<string, unknown>;
    const roles =
      typeof fixture.memberRoles === 'boolean'
        ? { inspect: fixture.memberRoles, remediate: fixture.memberRoles, hygiene: fixture.memberRoles }
        : fixture.memberRoles;
    this.accounts.set(accountId, {
      name: fixture.name,
      states: new Map(serviceModules.map((module) => [module.key, module.load(sections[module.key], now)])),
      memberRoles: new Set((Object.keys(roles) as Access[]).filter((access) => roles[access]).map((access) => MEMBER_ROLE_NAMES[access])),
    });
  }

  account(accountId: string): AccountState {
    const account = this.accounts.get(accountId);
    if (!account)
      throw new SimulatedServiceError('AccessDenied', `No access to account ${accountId}: it is not part of the simulated organization`);
    return account;
  }

  /** What every account's controllable resources look like now, for before/after reports. */
  snapshot(): Record<string, Record<string, unknown>> {
    return Object.fromEntries(
      [...this.accounts].map(([accountId, account]) => [
        accountId,
        Object.fromEntries(serviceModules.filter((m) => m.snapshot).map((m) => [m.key, m.snapshot?.(account.states.get(m.key))])),
      ]),
    );
  }

  /**
   * Puts a finding into the simulated Security Hub, as the finding's product imports it. A newer version (later
   * UpdatedAt) of a finding it holds replaces it, except for what BatchUpdateFindings owns (Note, UserDefinedFields),
   * which an import cannot change; an older or equal version changes nothing (Security Hub ignores stale updates).
   */
  importFinding(finding: Record<string, unknown>): void {
    const key = findingKey(String(finding.Id), String(finding.ProductArn));
    const held = this.findings.get(key);
    if (!held) {
      this.findings.set(key, { finding: structuredClone(finding), updates: [] });
      return;
    }
    if (String(finding.UpdatedAt ?? '') <= String(held.finding.UpdatedAt ?? '')) return;
    const { Note, UserDefinedFields } = held.finding;
    held.finding = { ...structuredClone(finding), ...(Note ? { Note } : {}), ...(UserDefinedFields ? { UserDefinedFields } : {}) };
  }

  finding(id: string, productArn: string): FindingRecord | undefined {
    return this.findings.get(findingKey(id, productArn));
  }

  private securityHub(): ServiceCommands {
    return {
      BatchUpdateFindings: (input) => {
        const identifiers = (input.FindingIdentifiers ?? []) as { Id: string; ProductArn: string }[];
        const note = input.Note as { Text: string; UpdatedBy: string } | undefined;
        if (note && note.Text.length > 512)
          throw new SimulatedServiceError('InvalidInputException', 'Note.Text must be at most 512 characters');
        const processed: { Id: string; ProductArn: string }[] = [];
        const unprocessed: { FindingIdentifier: { Id: string; ProductArn: string }; ErrorCode: string; ErrorMessage: string }[] = [];
        for (const identifier of identifiers) {
          const record = this.finding(identifier.Id, identifier.ProductArn);
          if (!record) {
            unprocessed.push({ FindingIdentifier: identifier, ErrorCode: 'FindingNotFound', ErrorMessage: 'Finding not found' });
            continue;
          }
          const f = record.finding;
          if (note) f.Note = { ...note, UpdatedAt: this.now().toISOString() };
          if (input.Workflow) f.Workflow = { ...(input.Workflow as object) };
          if (input.UserDefinedFields)
            f.UserDefinedFields = { ...((f.UserDefinedFields as object) ?? {}), ...(input.UserDefinedFields as object) };
          record.updates.push({ ...input, at: this.now().toISOString() });
          processed.push(identifier);
        }
        return { ProcessedFindings: processed, UnprocessedFindings: unprocessed };
      },
      GetFindings: (input) => {
        const filters = (input.Filters ?? {}) as Record<string, { Value: string; Comparison?: string }[] | undefined>;
        const crowded = Object.entries(filters).find(([, values]) => (values?.length ?? 0) > 20);
        // AwsSecurityFindingFilters: up to 20 values per attribute.
        if (crowded) throw new SimulatedServiceError('InvalidInputException', `Filter ${crowded[0]} has more than 20 values`);
        // StringFilter EQUALS on the fields hubfix filters by; several values of one filter match any of them.
        const matches = (f: Record<string, unknown>) =>
          Object.entries(FINDING_FILTER_FIELDS).every(([name, read]) => {
            const values = filters[name]?.map((v) => v.Value);
            return !values || values.includes(String(read(f)));
          });
        return { Findings: [...this.findings.values()].map((r) => structuredClone(r.finding)).filter(matches) };
      },
    };
  }

  private sns(): ServiceCommands {
    return {
      Publish: (input) => {
        const subject = input.Subject as string | undefined;
        if (subject && (subject.length > 100 || /[^\x20-\x7e]/.test(subject)))
          throw new SimulatedServiceError('InvalidParameter', 'Invalid parameter: Subject');
        this.published.push({ topicArn: String(input.TopicArn), subject, message: String(input.Message), at: this.now() });
        return { MessageId: randomUUID() };
      },
    };
  }

  /** The session behind temporary credentials; ExpiredToken once they expire, as AWS answers a call signed with them. */
  sessionOf(accessKeyId: string): RoleSession | undefined {
    const session = this.roleSessions.get(accessKeyId);
    if (session && session.expiration <= this.now())
      throw new SimulatedServiceError('ExpiredToken', 'The security token included in the request is expired');
    return session;
  }

  /**
   * AssumeRole as hubfix's function roles call it: a role that does not exist and a trust that refuses the caller
   * give the same AccessDenied (STS does not tell them apart), as does an account outside the organization.
   */
  private sts(): ServiceCommands {
    return {
      AssumeRole: (input, ctx) => {
        const roleArn = String(input.RoleArn);
        const sessionName = String(input.RoleSessionName ?? '');
        if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
          throw new SimulatedServiceError(
            'ValidationError',
            `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint`,
          );
        }
        const match = /^arn:aws[\w-]*:iam::(\d{12}):role\/([\w+=,.@-]+)$/.exec(roleArn);
        if (!match) throw new SimulatedServiceError('ValidationError', `${roleArn} is invalid`);
        const [, accountId, roleName] = match;
        if (!this.accounts.get(accountId)?.memberRoles.has(roleName)) {
          throw new SimulatedServiceError(
            'AccessDenied',
            `User: arn:aws:sts::${ctx.accountId}:assumed-role/hubfix-function/simulated is not authorized to perform: sts:AssumeRole ` +
              `on resource: ${roleArn}`,
          );
        }
        const durationSeconds = Number(input.DurationSeconds ?? 3600);
        const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
        const expiration = new Date(this.now().getTime() + durationSeconds * 1000);
        this.roleSessions.set(accessKeyId, { accountId, roleName, sessionName, expiration });
        return {
          Credentials: {
            AccessKeyId: accessKeyId,
            SecretAccessKey: randomBytes(20).toString('base64'),
            SessionToken: randomBytes(32).toString('base64'),
            Expiration: expiration,
          },
          AssumedRoleUser: {
            AssumedRoleId: `AROA${accountId}:${sessionName}`,
            Arn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`,
          },
        };
      },
    };
  }

  private secretsManager(): ServiceCommands {
    return {
      GetSecretValue: (input) => {
        const value = this.secrets.get(String(input.SecretId));
        if (value === undefined)
          throw new SimulatedServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        return { ARN: String(input.SecretId), Name: String(input.SecretId), SecretString: value, VersionId: 'v1' };
      },
    };
  }
}

const findingKey = (id: string, productArn: string): string => `${productArn}|${id}`;

/** The GetFindings filters the simulation answers (others are ignored, as before). */
const FINDING_FILTER_FIELDS: Record<string, (f: Record<string, unknown>) => unknown> = {
  Id: (f) => f.Id,
  ProductArn: (f) => f.ProductArn,
  AwsAccountId: (f) => f.AwsAccountId,
  Region: (f) => f.Region,
  RecordState: (f) => f.RecordState,
  ComplianceStatus: (f) => (f.Compliance as { Status?: string } | undefined)?.Status,
  ComplianceSecurityControlId: (f) => (f.Compliance as { SecurityControlId?: string } | undefined)?.SecurityControlId,
};
