import * as z from 'zod';
import { canonicalResource } from './canonical-resource';
import { resolveControlId } from './control-ids';
import { InvalidInputError } from '../platform/errors';
import type { FindingRef, ResourceRef } from './types';

/**
 * The edge where Security Hub's JSON becomes hubfix's typed FindingRef. Real findings are messy
 * (see shared/conformance/README.md): SDK-serialized findings carry `null` for every absent key, old
 * ones have no Workflow object, no top-level Region or no Severity.Label. The schemas accept all of
 * that and the normalization below decides the values; what cannot be used is rejected with a reason,
 * never dropped silently.
 */

/** Security Hub custom actions send at most this many findings; more means it is not a custom action event. */
export const MAX_FINDINGS_PER_EVENT = 100;
/** Details of the resource's own type above this size are left out of the execution input. */
const DETAILS_LIMIT_CHARS = 8_000;

export const DETAIL_TYPES = {
  customAction: 'Security Hub Findings - Custom Action',
  imported: 'Security Hub Findings - Imported',
  insightResults: 'Security Hub Insight Results',
  ocsfImported: 'Findings Imported V2',
} as const;

const OCSF_REASON =
  'OCSF findings (Security Hub "Findings Imported V2") are not supported yet: hubfix reads AWS Security Finding Format (ASFF) ' +
  'findings only';

const optionalText = z.string().nullish();

export const asffResourceSchema = z.looseObject({
  Type: z.string().min(1),
  Id: z.string().min(1),
  Partition: optionalText,
  Region: optionalText,
  Details: z.record(z.string(), z.unknown()).nullish(),
  Tags: z.record(z.string(), z.string().nullable()).nullish(),
});

export const asffFindingSchema = z.looseObject({
  Id: z.string().min(1),
  ProductArn: z.string().min(1),
  AwsAccountId: optionalText,
  Region: optionalText,
  GeneratorId: optionalText,
  Title: optionalText,
  UpdatedAt: optionalText,
  Severity: z.looseObject({ Label: optionalText, Normalized: z.number().nullish() }).nullish(),
  Compliance: z.looseObject({ Status: optionalText, SecurityControlId: optionalText }).nullish(),
  Workflow: z.looseObject({ Status: optionalText }).nullish(),
  WorkflowState: optionalText,
  RecordState: optionalText,
  ProductFields: z.record(z.string(), z.unknown()).nullish(),
  UserDefinedFields: z.record(z.string(), z.string().nullable()).nullish(),
  Resources: z.array(asffResourceSchema).min(1, 'a finding names at least one resource'),
});

export type AsffFinding = z.infer<typeof asffFindingSchema>;

export type FindingResult =
  { ok: true; finding: FindingRef } | { ok: false; reason: string; identifier?: { id: string; productArn: string } };

export type ParsedEvent =
  | { kind: 'custom-action'; actionId: string; actionName?: string; findings: FindingResult[] }
  | { kind: 'imported'; findings: FindingResult[] };

export type Eligibility = { eligible: true } | { eligible: false; reason: string; code: IneligibleCode };
export type IneligibleCode =
  | 'archived'
  | 'compliance-passed'
  | 'compliance-not-available'
  | 'workflow-suppressed'
  | 'workflow-resolved'
  | 'malformed-resource'
  | 'malformed-account'
  | 'nothing-to-undo';

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

const isOcsf = (value: JsonObject): boolean =>
  'class_uid' in value || 'finding_info' in value || (isObject(value.metadata) && 'product' in value.metadata && !('Id' in value));

const describeIssues = (error: z.ZodError): string =>
  error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(finding)'}: ${issue.message}`)
    .join('; ');

interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
}

const parseArn = (value: string | null | undefined): Arn | undefined => {
  const match = value?.match(/^arn:([^:]+):([^:]*):([^:]*):([^:]*):/);
  return match ? { partition: match[1], service: match[2], region: match[3], account: match[4] } : undefined;
};

const SEVERITY_BY_NORMALIZED: ReadonlyArray<[number, string]> = [
  [90, 'CRITICAL'],
  [70, 'HIGH'],
  [40, 'MEDIUM'],
  [1, 'LOW'],
];

/** ASFF's documented Normalized → Label bands, for findings older than Severity.Label. */
const severityOf = (severity: AsffFinding['Severity']): string => {
  if (severity?.Label) return severity.Label;
  const normalized = severity?.Normalized;
  if (typeof normalized !== 'number') return 'INFORMATIONAL';
  return SEVERITY_BY_NORMALIZED.find(([floor]) => normalized >= floor)?.[1] ?? 'INFORMATIONAL';
};

/** Deep copy without nulls: SDK-serialized findings carry a null for every absent key. */
const withoutNulls = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.filter((item) => item !== null).map(withoutNulls);
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, item]) => item !== null)
        .map(([key, item]) => [key, withoutNulls(item)]),
    );
  }
  return value;
};

/** Keep only Details.<the resource's type>, and only when it is small (execution input has a size limit). */
const detailsOf = (resource: AsffFinding['Resources'][number]): Record<string, unknown> | undefined => {
  const own = resource.Details?.[resource.Type];
  if (own === undefined || own === null) return undefined;
  const details = { [resource.Type]: withoutNulls(own) };
  return JSON.stringify(details).length <= DETAILS_LIMIT_CHARS ? details : undefined;
};

/** us-east-1, eu-central-2, us-gov-west-1, cn-north-1, ap-southeast-5 … */
const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

const accountFromResourceId = (id: string): string | undefined => id.match(/^AWS::::Account:(.+)$/)?.[1];

const normalize = (
  finding: AsffFinding,
  control: { controlId: string; standardControlId: string },
  fallbackRegion: string | undefined,
): FindingRef | { reason: string } => {
  const productArn = parseArn(finding.ProductArn);
  const idArn = parseArn(finding.Id);
  const resource = finding.Resources[0];
  const resourceArn = parseArn(resource.Id);
  const region = finding.Region || productArn?.region || idArn?.region || fallbackRegion;
  if (!region) return { reason: 'the finding names no region (no Region, and none in ProductArn or Id)' };
  if (!REGION_NAME.test(region)) return { reason: `the finding's region "${region.slice(0, 40)}" is not an AWS region name` };
  const accountId = finding.AwsAccountId || idArn?.account || resourceArn?.account || accountFromResourceId(resource.Id);
  if (!accountId) return { reason: 'the finding names no account (no AwsAccountId, and none in Id or the resource id)' };
  const canonical = canonicalResource({
    type: resource.Type,
    id: resource.Id,
    partition: resource.Partition ?? undefined,
    details: resource.Details ?? undefined,
    accountId,
  });
  if ('reason' in canonical) return { reason: canonical.reason };
  if (productArn && productArn.partition !== canonical.partition) {
    return {
      reason: `the finding's product is in partition ${productArn.partition.slice(0, 20)} but its resource is in ${canonical.partition}`,
    };
  }
  const resourceRef: ResourceRef = {
    type: resource.Type,
    id: resource.Id,
    canonicalId: canonical.canonicalId,
    // The ARN is where the resource lives; Resource.Region can be the region that evaluated it
    // (a multi-region trail in us-west-2 evaluated in us-east-1 is a real, documented case).
    region: [resourceArn?.region, resource.Region].find((r): r is string => typeof r === 'string' && REGION_NAME.test(r)) ?? region,
    partition: canonical.partition,
  };
  const details = detailsOf(resource);
  if (details) resourceRef.details = details;
  const tags = Object.entries(resource.Tags ?? {}).filter((entry): entry is [string, string] => entry[1] !== null);
  if (tags.length > 0) resourceRef.tags = Object.fromEntries(tags);
  return {
    id: finding.Id,
    productArn: finding.ProductArn,
    accountId,
    region,
    title: finding.Title ?? '',
    controlId: control.controlId,
    standardControlId: control.standardControlId,
    severity: severityOf(finding.Severity),
    complianceStatus: finding.Compliance?.Status ?? 'UNKNOWN',
    // Workflow.Status superseded WorkflowState; old findings have only the latter.
    workflowStatus: finding.Workflow?.Status ?? finding.WorkflowState ?? 'NEW',
    recordState: finding.RecordState ?? 'ACTIVE',
    updatedAt: finding.UpdatedAt ?? '',
    resource: resourceRef,
  };
};

/** One finding of any origin → a FindingRef, or the reason it cannot be one (with its identifier when it has one). */
export const parseFinding = (raw: unknown, fallbackRegion?: string): FindingResult => {
  if (!isObject(raw)) return { ok: false, reason: 'the finding is not a JSON object' };
  if (isOcsf(raw)) return { ok: false, reason: OCSF_REASON };
  const identifier =
    typeof raw.Id === 'string' && raw.Id !== '' && typeof raw.ProductArn === 'string' && raw.ProductArn !== ''
      ? { id: raw.Id, productArn: raw.ProductArn }
      : undefined;
  const reject = (reason: string): FindingResult => (identifier ? { ok: false, reason, identifier } : { ok: false, reason });
  const parsed = asffFindingSchema.safeParse(raw);
  if (!parsed.success) return reject(`not a valid ASFF finding: ${describeIssues(parsed.error)}`);
  const control = resolveControlId(parsed.data);
  if ('error' in control) return reject(control.error);
  const finding = normalize(parsed.data, control, fallbackRegion);
  return 'reason' in finding ? reject(finding.reason) : { ok: true, finding };
};

const parseFindingList = (list: unknown[], fallbackRegion?: string): FindingResult[] => {
  if (list.length === 0) throw new InvalidInputError('the input holds no findings');
  return list.map((item) => parseFinding(item, fallbackRegion));
};

/** The custom action's id: the last path segment of arn:aws:securityhub:<region>:<account>:action/custom/<id>. */
const actionIdOf = (resources: unknown): string => {
  const first = Array.isArray(resources) ? resources[0] : undefined;
  const match = typeof first === 'string' ? first.match(/^arn:[^:]+:securityhub:[^:]*:[^:]*:action\/custom\/([^/]+)$/) : null;
  if (!match) {
    throw new InvalidInputError(`custom action event has no custom action ARN in resources[0] (got ${JSON.stringify(first ?? null)})`);
  }
  return match[1];
};

/** An EventBridge event from Security Hub → the requested action and its findings; throws InvalidInputError for anything else. */
export const parseEvent = (raw: unknown): ParsedEvent => {
  if (!isObject(raw)) throw new InvalidInputError('the event is not a JSON object');
  const detailType = raw['detail-type'];
  if (detailType === DETAIL_TYPES.ocsfImported) throw new InvalidInputError(OCSF_REASON);
  if (detailType === DETAIL_TYPES.insightResults) {
    throw new InvalidInputError('Security Hub insight results carry no findings: run the custom action on findings, not on an insight');
  }
  if (detailType !== DETAIL_TYPES.customAction && detailType !== DETAIL_TYPES.imported) {
    throw new InvalidInputError(`not a Security Hub findings event: unknown detail-type ${JSON.stringify(detailType ?? null)}`);
  }
  if (raw.source !== undefined && raw.source !== 'aws.securityhub') {
    throw new InvalidInputError(`not a Security Hub event: source ${JSON.stringify(raw.source)}`);
  }
  const detail = raw.detail;
  const findings = isObject(detail) ? detail.findings : undefined;
  if (!Array.isArray(findings)) throw new InvalidInputError(`"${detailType}" event has no detail.findings array`);
  if (findings.length === 0) throw new InvalidInputError(`"${detailType}" event has an empty detail.findings array`);
  if (findings.length > MAX_FINDINGS_PER_EVENT) {
    throw new InvalidInputError(`event carries ${findings.length} findings; Security Hub sends at most ${MAX_FINDINGS_PER_EVENT}`);
  }
  const envelopeRegion = typeof raw.region === 'string' && raw.region !== '' ? raw.region : undefined;
  const results = parseFindingList(findings, envelopeRegion);
  if (detailType === DETAIL_TYPES.imported) return { kind: 'imported', findings: results };
  const actionName = isObject(detail) && typeof detail.actionName === 'string' ? detail.actionName.trim() || undefined : undefined;
  return { kind: 'custom-action', actionId: actionIdOf(raw.resources), ...(actionName ? { actionName } : {}), findings: results };
};

/**
 * Findings from a file that is not an EventBridge envelope (as `hubfix plan --event FILE` reads it): a bare
 * finding, an array of findings or a GetFindings response. An envelope is parsed as an event.
 */
export const parseFindings = (raw: unknown): FindingResult[] => {
  if (Array.isArray(raw)) return parseFindingList(raw);
  if (!isObject(raw)) throw new InvalidInputError('expected a finding, an array of findings or a GetFindings response');
  if ('detail-type' in raw) return parseEvent(raw).findings;
  if (Array.isArray(raw.Findings)) return parseFindingList(raw.Findings);
  if (isOcsf(raw)) throw new InvalidInputError(OCSF_REASON);
  if ('SchemaVersion' in raw || ('Id' in raw && 'ProductArn' in raw)) return [parseFinding(raw)];
  throw new InvalidInputError(
    `not a Security Hub finding, findings array, GetFindings response or EventBridge event (keys: ` +
      `${Object.keys(raw).slice(0, 8).join(', ')})`,
  );
};

const MASKED = /X{6,}|(^|[:/])null$|:null(:|\/|$)/i;

/** Whether hubfix may act on the finding at all; the reason is what the note on the finding says. */
export const eligibility = (finding: FindingRef): Eligibility => {
  if (finding.recordState === 'ARCHIVED') {
    return { eligible: false, code: 'archived', reason: 'the finding is ARCHIVED' };
  }
  if (finding.complianceStatus === 'PASSED') {
    return { eligible: false, code: 'compliance-passed', reason: 'the control check PASSED: there is nothing to fix' };
  }
  if (finding.complianceStatus === 'NOT_AVAILABLE') {
    return {
      eligible: false,
      code: 'compliance-not-available',
      reason: 'the control check result is NOT_AVAILABLE (the check could not run): nothing is known to be wrong',
    };
  }
  if (finding.workflowStatus === 'SUPPRESSED') {
    return { eligible: false, code: 'workflow-suppressed', reason: 'the finding is SUPPRESSED: someone decided not to act on it' };
  }
  if (finding.workflowStatus === 'RESOLVED') {
    return { eligible: false, code: 'workflow-resolved', reason: 'the finding is already RESOLVED' };
  }
  if (!/^\d{12}$/.test(finding.accountId)) {
    return { eligible: false, code: 'malformed-account', reason: `the account id "${finding.accountId}" is masked or malformed` };
  }
  if (MASKED.test(finding.resource.id)) {
    return { eligible: false, code: 'malformed-resource', reason: `the resource id "${finding.resource.id}" is masked or malformed` };
  }
  return { eligible: true };
};
