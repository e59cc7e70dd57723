import { parseConfig } from '../../functions/platform/config';
import { automaticControlIds } from '../../functions/workflow/modes';
import { plugins } from '../../functions/controls/registry';
import { synthHubfix } from './synth';

const importedRules = (template: ReturnType<typeof synthHubfix>['template']) =>
  Object.values(
    template.findResources('AWS::Events::Rule', { Properties: { EventPattern: { 'detail-type': ['Security Hub Findings - Imported'] } } }),
  );

describe('the automatic path', () => {
  it('narrows the Findings Imported rule, in the pattern itself, to exactly the auto-mode controls', () => {
    // Prepare
    const config = parseConfig({});
    const { template, cleanup } = synthHubfix(config);

    try {
      // Act
      const rules = importedRules(template);

      // Assess
      expect(rules).toHaveLength(1);
      expect(rules[0].Properties.EventPattern).toEqual({
        source: ['aws.securityhub'],
        'detail-type': ['Security Hub Findings - Imported'],
        detail: {
          findings: {
            ProductArn: [
              { wildcard: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':securityhub:*::product/aws/securityhub']] } },
            ],
            Compliance: { Status: ['FAILED'], SecurityControlId: automaticControlIds(config) },
            RecordState: ['ACTIVE'],
            Workflow: { Status: ['NEW'] },
          },
        },
      });
      const [target] = rules[0].Properties.Targets as { Arn: { 'Fn::GetAtt': [string, string] } }[];
      expect(target.Arn['Fn::GetAtt'][0]).toMatch(/^IntakeQueue/);
    } finally {
      cleanup();
    }
  });

  it(
    'restricts the rule to Security Hub’s own controls product in any region, plus exactly the trusted products of the ' + 'configuration',
    () => {
      // Prepare
      const config = parseConfig({
        trust: { products: ['arn:aws:securityhub:*::product/aws/config', 'arn:aws:securityhub:eu-west-1::product/aws/inspector'] },
      });
      const { template, cleanup } = synthHubfix(config);

      try {
        // Act
        const [rule] = importedRules(template);

        // Assess
        expect(rule.Properties.EventPattern.detail.findings.ProductArn).toEqual([
          { wildcard: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':securityhub:*::product/aws/securityhub']] } },
          { wildcard: 'arn:aws:securityhub:*::product/aws/config' },
          'arn:aws:securityhub:eu-west-1::product/aws/inspector',
        ]);
      } finally {
        cleanup();
      }
    },
  );

  it('follows the configuration: a control switched to approval leaves the pattern, and no auto control means no rule', () => {
    // Prepare
    const auto = automaticControlIds(parseConfig({}));
    const [first] = auto;
    const allOff = Object.fromEntries(plugins.flatMap((p) => p.securityControlIds).map((id) => [id, 'approval']));

    // Act
    const narrowed = synthHubfix(parseConfig({ controls: { [first]: 'approval' } }));
    const none = synthHubfix(parseConfig({ controls: allOff }));

    // Assess
    try {
      const ids = importedRules(narrowed.template)[0].Properties.EventPattern.detail.findings.Compliance.SecurityControlId as string[];
      expect(ids).toEqual(auto.filter((id) => id !== first));
      expect(importedRules(none.template)).toHaveLength(0);
    } finally {
      narrowed.cleanup();
      none.cleanup();
    }
  });
});
