import {
  GetFindingsCommand,
  type AwsSecurityFinding,
  type AwsSecurityFindingFilters,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { parseFinding, type FindingResult } from './asff';
import { isThrottling } from '../platform/errors';
import type { FindingRef } from './types';

/**
 * Security Hub, re-read, is the source of truth: the event, the queue message and the execution input only point
 * at a finding (Id + ProductArn). hubfix reads the finding from Security Hub in its home region (the aggregation
 * region sees every linked region's findings) before a run starts and again in Assess, and acts on what it says now.
 */

/** Security Hub takes at most 20 values per filter attribute (AwsSecurityFindingFilters). */
export const FILTER_VALUES_LIMIT = 20;

const keyOf = (id: string, productArn: string): string => `${productArn}\n${id}`;

export type LiveFinding = FindingResult | { ok: false; missing: true; reason: string };

/**
 * GetFindings is one bucket for the whole administrator account and region (3 requests/s, burst 6), shared by every
 * intake and Assess invocation; the SDK's three attempts (about a second) do not outlast a burst of runs. Up to 7
 * attempts with full-jitter backoff (at most about 14 s, inside intake's 30 s timeout) before the caller decides:
 * intake starts the runs anyway (Assess's re-read decides), Assess fails with ThrottledError for the state machine's
 * longer Retry.
 */
const THROTTLE_ATTEMPTS = 7;
const throttleDelayMs = (attempt: number): number => Math.random() * Math.min(4_000, 100 * 2 ** attempt);

const withThrottleRetry = async <T>(call: () => Promise<T>): Promise<T> => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (!isThrottling(error) || attempt >= THROTTLE_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, throttleDelayMs(attempt)));
    }
  }
};

const chunks = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** Every finding GetFindings returns for these filters, page by page, each page retried while throttled. */
const getFindings = async (securityHub: SecurityHubClient, Filters: AwsSecurityFindingFilters): Promise<AwsSecurityFinding[]> => {
  const findings: AwsSecurityFinding[] = [];
  let nextToken: string | undefined;
  do {
    const page = await withThrottleRetry(() =>
      securityHub.send(new GetFindingsCommand({ Filters, MaxResults: 100, NextToken: nextToken })),
    );
    findings.push(...(page.Findings ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return findings;
};

/** Security Hub's current copy of each finding, by Id and ProductArn; a finding it does not hold is absent. */
export const readFindings = async (
  securityHub: SecurityHubClient,
  pointers: Pick<FindingRef, 'id' | 'productArn'>[],
): Promise<Map<string, AwsSecurityFinding>> => {
  const found = new Map<string, AwsSecurityFinding>();
  const wanted = new Set(pointers.map((p) => keyOf(p.id, p.productArn)));
  for (const chunk of chunks([...new Map(pointers.map((p) => [keyOf(p.id, p.productArn), p])).values()], FILTER_VALUES_LIMIT)) {
    const productArns = [...new Set(chunk.map((p) => p.productArn))];
    const page = await getFindings(securityHub, {
      Id: chunk.map((p) => ({ Value: p.id, Comparison: 'EQUALS' })),
      ProductArn: productArns.map((arn) => ({ Value: arn, Comparison: 'EQUALS' })),
    });
    for (const finding of page) {
      const key = keyOf(finding.Id ?? '', finding.ProductArn ?? '');
      if (wanted.has(key)) found.set(key, finding);
    }
  }
  return found;
};

/** Security Hub's findings with these ids, whatever their product (an operator names findings by id alone). */
export const readFindingsById = async (securityHub: SecurityHubClient, ids: string[]): Promise<AwsSecurityFinding[]> => {
  const found: AwsSecurityFinding[] = [];
  for (const chunk of chunks([...new Set(ids)], FILTER_VALUES_LIMIT)) {
    found.push(...(await getFindings(securityHub, { Id: chunk.map((Value) => ({ Value, Comparison: 'EQUALS' })) })));
  }
  return found;
};

/** The live finding a pointer names, parsed as any finding is; missing when Security Hub does not hold it. */
export const liveFindingOf = (
  found: Map<string, AwsSecurityFinding>,
  pointer: Pick<FindingRef, 'id' | 'productArn' | 'region'>,
): LiveFinding => {
  const raw = found.get(keyOf(pointer.id, pointer.productArn));
  if (!raw) {
    return {
      ok: false,
      missing: true,
      reason:
        `Security Hub holds no finding ${pointer.id.slice(0, 300)} of product ${pointer.productArn.slice(0, 200)}: the request ` +
        `named a finding that does not exist`,
    };
  }
  return parseFinding(raw, pointer.region);
};

/** Re-reads one finding. */
export const readLiveFinding = async (
  securityHub: SecurityHubClient,
  pointer: Pick<FindingRef, 'id' | 'productArn' | 'region'>,
): Promise<LiveFinding> => liveFindingOf(await readFindings(securityHub, [pointer]), pointer);

/** Where the request's copy and Security Hub's disagree on what a run would act on: hubfix then acts on neither. */
export const claimsMismatch = (claimed: FindingRef, live: FindingRef): string | undefined => {
  const differs = (
    [
      ['control', claimed.controlId, live.controlId],
      ['account', claimed.accountId, live.accountId],
      ['resource', claimed.resource.canonicalId, live.resource.canonicalId],
    ] as const
  ).filter(([, a, b]) => a !== b);
  if (differs.length === 0) return undefined;
  const [what, said, truth] = differs[0];
  return (
    `the request says ${what} ${said.slice(0, 200)} but Security Hub's finding says ${truth.slice(0, 200)}; hubfix acts only ` +
    `when they agree`
  );
};
