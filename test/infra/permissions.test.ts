import { plugins } from '../../functions/controls/registry';
import { controlPermissions, inspectActions, remediateActions } from '../../infra/permissions';

describe('control permissions', () => {
  it('lists the permissions of every registered control plugin', () => {
    expect(Object.keys(controlPermissions).sort()).toEqual(plugins.map((p) => p.id).sort());
  });

  it('keeps inspection read-only', () => {
    for (const action of inspectActions()) expect(action).toMatch(/^[a-z0-9-]+:(Get|List|Lookup|Describe|BatchGet)[A-Za-z]*$/);
  });

  it('gives remediation the reads as well as the writes, each once', () => {
    // Act
    const actions = remediateActions();

    // Assess
    expect(actions).toEqual(expect.arrayContaining([...inspectActions(), 'iam:UpdateAccessKey']));
    expect(new Set(actions).size).toBe(actions.length);
  });

  it('merges the lists of several controls without duplicates', () => {
    // Prepare
    const permissions = {
      a: { inspect: ['s3:GetBucketPolicy', 'iam:GetUser'], remediate: ['s3:PutBucketPolicy'] },
      b: { inspect: ['iam:GetUser'], remediate: [] },
    };

    // Act / Assess
    expect(inspectActions(permissions)).toEqual(['iam:GetUser', 's3:GetBucketPolicy']);
    expect(remediateActions(permissions)).toEqual(['iam:GetUser', 's3:GetBucketPolicy', 's3:PutBucketPolicy']);
  });
});
