import * as fs from 'node:fs';
import aslValidator from 'asl-validator';
import { DEFINITION_FUNCTIONS, STATE_MACHINE_FILE } from '../../infra/hubfix-stack';
import { FAILED_STEPS } from '../../functions/findings/types';
import { synthesizeWorkflow, type SynthesizedWorkflow } from '../../sandbox/synthesized-definition';
import { TEST_CONFIG } from './synth';

let workflow: SynthesizedWorkflow;

beforeAll(() => {
  // The same path the sandbox takes: synthesize the stack, read the definition asset, resolve the substitutions.
  workflow = synthesizeWorkflow(TEST_CONFIG, '123456789012', 'us-east-1');
});

describe('the synthesized state machine definition', () => {
  it('uses exactly the placeholders the stack substitutes', () => {
    // Prepare
    const asl = fs.readFileSync(STATE_MACHINE_FILE, 'utf8');

    // Act
    const used = new Set([...asl.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]));

    // Assess
    expect([...used].sort()).toEqual(Object.keys(DEFINITION_FUNCTIONS).sort());
  });

  it('is valid Amazon States Language once the placeholders are function ARNs', () => {
    // Act
    const { isValid, errorsText } = aslValidator(workflow.definition, { checkPaths: true, checkArn: true });

    // Assess
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
    expect(JSON.stringify(workflow.definition)).not.toMatch(/\$\{/);
  });

  it('binds every Task state to the function its placeholder names', () => {
    expect(Object.fromEntries(Object.entries(workflow.taskFunctions).map(([state, binding]) => [state, binding.role]))).toEqual({
      Assess: 'assess',
      RequestApproval: 'requestApproval',
      Remediate: 'remediate',
      Verify: 'verify',
      Annotate: 'annotate',
    });
  });

  it(
    'records which step failed: every Catch writes the error under $.failure.<its own step>, and Annotate reads each of those ' + 'steps',
    () => {
      // Prepare
      type Catcher = { ErrorEquals: string[]; ResultPath?: string; Next: string };
      const stepKey = (stateName: string) => stateName[0].toLowerCase() + stateName.slice(1);

      // Act
      const catches = Object.entries(workflow.definition.States).flatMap(([name, state]) =>
        ((state.Catch as Catcher[] | undefined) ?? []).map((c) => ({ name, resultPath: c.ResultPath, next: c.Next })),
      );

      // Assess
      expect(catches.length).toBeGreaterThan(0);
      for (const { name, resultPath, next } of catches) {
        expect({ name, resultPath }).toEqual({ name, resultPath: `$.failure.${stepKey(name)}` });
        expect(next).toBe(name === 'Annotate' ? 'AnnotationFailed' : 'Annotate');
      }
      const annotated = catches.filter((c) => c.next === 'Annotate').map((c) => stepKey(c.name));
      expect(annotated.sort()).toEqual([...FAILED_STEPS].sort());
    },
  );
});
