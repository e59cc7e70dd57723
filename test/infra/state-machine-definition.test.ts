import aslValidator from 'asl-validator';
import { DEFINITION_FUNCTIONS } from '../../infra/hubfix-stack';
import { readSynthesizedStateMachine, substitutePlaceholders } from '../../infra/synthesized-definition';
import { synthHubfix } from './synth';

const placeholderArn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:hubfix-${name}`;

let synthesized: ReturnType<typeof readSynthesizedStateMachine>;
let cleanup: () => void;

beforeAll(() => {
  const synth = synthHubfix();
  cleanup = synth.cleanup;
  synthesized = readSynthesizedStateMachine(synth.outdir, synth.template.toJSON() as Parameters<typeof readSynthesizedStateMachine>[1]);
});
afterAll(() => cleanup());

describe('the synthesized state machine definition', () => {
  it('names exactly the placeholders the stack substitutes', () => {
    // Prepare
    const used = [...synthesized.definition.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]);

    // Assess
    expect([...new Set(used)].sort()).toEqual(Object.keys(DEFINITION_FUNCTIONS).sort());
    expect(Object.keys(synthesized.substitutions).sort()).toEqual(Object.keys(DEFINITION_FUNCTIONS).sort());
  });

  it('is valid Amazon States Language once the placeholders are function ARNs', () => {
    // Prepare
    const values = Object.fromEntries(Object.keys(DEFINITION_FUNCTIONS).map((name) => [name, placeholderArn(name)]));
    const definition: unknown = JSON.parse(substitutePlaceholders(synthesized.definition, values));

    // Act
    const { isValid, errorsText } = aslValidator(definition, { checkPaths: true, checkArn: true });

    // Assess
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
  });

  it('refuses to leave a placeholder without a value', () => {
    expect(() => substitutePlaceholders(synthesized.definition, {})).toThrow(/no value for placeholder/);
  });
});
