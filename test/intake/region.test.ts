import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFinding } from '../../functions/findings/asff';

const real = JSON.parse(
  readFileSync(join(__dirname, '../../../shared/conformance/events/asr__finding__fsbp-iam.3__awsiamuser.json'), 'utf8'),
) as Record<string, unknown>;

describe('regions', () => {
  it('rejects, with the reason, a finding whose region is not an AWS region name', () => {
    const result = parseFinding({ ...real, Region: 'x'.repeat(300_000) });
    expect(result).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^the finding's region "x{40}" is not an AWS region name$/),
      identifier: { id: real.Id },
    });
  });

  it('takes the resource region from its ARN or Resources[].Region only when it is a region name', () => {
    const resource = (real.Resources as Record<string, unknown>[])[0];
    const result = parseFinding({ ...real, Region: 'eu-central-2', Resources: [{ ...resource, Region: '<script>' }] });
    expect(result).toMatchObject({ ok: true, finding: { region: 'eu-central-2', resource: { region: 'eu-central-2' } } });
  });
});
