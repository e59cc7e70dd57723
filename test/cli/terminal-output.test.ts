import { formatPlan } from '../../cli/plan';
import { formatOperatorRun } from '../../cli/remediate';

/**
 * The operator's terminal is a sink for finding text too: a finding id, control id or reason carrying escape sequences
 * or line breaks could clear the screen, recolour or forge lines of the output. The text formats make each one line.
 */
const ESC = '\u001b';
const HOSTILE = `IAM.3${ESC}[2J${ESC}[1;1HStarted run-42: all clear\nNot taken: nothing\u202e`;
const deployment = {
  stackName: 'Hubfix',
  status: 'UPDATE_COMPLETE',
  accountId: '111111111111',
  region: 'us-east-1',
  partition: 'aws',
  outputs: { StateMachineArn: 'arn:aws:states:us-east-1:111111111111:stateMachine:RemediateFinding' },
};

describe('the CLI text output of finding-derived fields', () => {
  it('hubfix remediate: no escape sequence, line break or bidirectional override reaches the terminal', () => {
    // Act
    const text = formatOperatorRun(
      {
        runs: [{ findingId: `arn:finding/${HOSTILE}`, controlId: HOSTILE, executionName: 'IAM-3-remediate-abc', outcome: 'started' }],
        notTaken: [{ findingId: HOSTILE, reason: `hubfix did not act: ${HOSTILE}` }],
        notFound: [HOSTILE],
        summary: { started: 1, duplicates: 0, passed: 0, annotatedSkipped: 1, dropped: 0, ignored: false },
      },
      deployment,
    );

    // Assess: one line per entry, the summary and the approval reminder, and nothing a terminal would interpret
    expect(text).not.toContain(ESC);
    expect(text).not.toContain('\u202e');
    expect(text.split('\n')).toHaveLength(5);
    expect(text.split('\n')[0]).toMatch(/^Started IAM-3-remediate-abc: IAM\.3\[2J\[1;1HStarted run-42: all clear Not taken: nothing /);
  });

  it('hubfix plan: one line a finding, whatever its reason holds', () => {
    // Act
    const text = formatPlan({
      findings: [
        { findingId: 'f1', controlId: HOSTILE, route: 'approval', reason: HOSTILE, evidence: [] },
        { findingId: 'f2', route: null, reason: 'no account fixture', evidence: [] },
      ],
    });
    const rejected = formatPlan({ rejected: HOSTILE, findings: [] });

    // Assess
    expect(text).not.toContain(ESC);
    expect(text).not.toContain('\u202e');
    expect(text.split('\n')).toEqual([expect.stringMatching(/^IAM\.3.*\tapproval\tIAM\.3/), '-\t-\tno account fixture']);
    expect(rejected).not.toContain(ESC);
    expect(rejected).not.toContain('\n');
  });
});
