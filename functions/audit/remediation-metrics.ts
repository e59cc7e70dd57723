import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { AuditRecord } from './audit';

/**
 * Remediation metrics in CloudWatch embedded metric format (EMF: a JSON log line CloudWatch turns into
 * metrics, no PutMetricData call). Two blobs per run:
 * - by control and outcome (dimensions service, ControlId, Outcome): `Remediations`, for the breakdown;
 * - service-wide (dimension service): `Remediations`, `TimeToRemediateSeconds`, `ApprovalWaitSeconds`,
 *   `Automatic`, `Approved`, which the dashboard and alarms read without a SEARCH across controls.
 * Cardinality stays low: ~50 control ids × 7 outcomes; no finding, resource or account in a dimension.
 */

export const METRICS_NAMESPACE = 'hubfix';
export const METRICS_SERVICE = 'hubfix';

export const METRIC = {
  remediations: 'Remediations',
  timeToRemediate: 'TimeToRemediateSeconds',
  approvalWait: 'ApprovalWaitSeconds',
  automatic: 'Automatic',
  approved: 'Approved',
  /** Runs a blast limit kept off the automatic path: the alarm on it says the automatic path is paused. */
  held: 'AutomaticPathHeld',
} as const;

/**
 * The instance Annotate publishes with. Tests and the sandbox keep it quiet: POWERTOOLS_DEV (tests) or
 * POWERTOOLS_METRICS_DISABLED (bin/hubfix.js) turn publishing off.
 */
export const remediationMetrics = (): Metrics => new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });

/**
 * How the change was decided: "automatic" for runs the Route sent straight to Remediate, "approved" for runs a
 * person approved; undefined for runs that changed nothing by design (skipped, planned, rejected, timed out).
 */
export const decisionPath = (record: AuditRecord): 'automatic' | 'approved' | undefined => {
  if (record.approval?.decision === 'approved') return 'approved';
  if (record.assessment?.route === 'auto') return 'automatic';
  return undefined;
};

/** Adds one run's metrics and publishes them (the caller calls this once per run: the first audit write). */
export const publishRemediationMetrics = (metrics: Metrics, record: AuditRecord): void => {
  const byControl = metrics.singleMetric(); // publishes on addMetric, with its own dimensions
  byControl.addDimensions({ ControlId: record.finding.controlId, Outcome: record.outcome });
  byControl.addMetric(METRIC.remediations, MetricUnit.Count, 1);

  metrics.addMetric(METRIC.remediations, MetricUnit.Count, 1);
  if (record.timeToRemediateSeconds !== undefined)
    metrics.addMetric(METRIC.timeToRemediate, MetricUnit.Seconds, record.timeToRemediateSeconds);
  if (record.approvalWaitSeconds !== undefined) metrics.addMetric(METRIC.approvalWait, MetricUnit.Seconds, record.approvalWaitSeconds);
  const path = decisionPath(record);
  if (path) metrics.addMetric(path === 'approved' ? METRIC.approved : METRIC.automatic, MetricUnit.Count, 1);
  if (record.assessment?.held) metrics.addMetric(METRIC.held, MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
};
