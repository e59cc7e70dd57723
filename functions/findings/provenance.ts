import type { HubfixConfig } from '../platform/config';

/**
 * Provenance: hubfix acts only on findings Security Hub's own controls produced, and on the products the
 * platform team listed in `trust.products`. Any principal with securityhub:BatchImportFindings can import a
 * finding under its own product (product/<account>/default) that says anything, so the product ARN, which
 * Security Hub sets from the importing product and no importer can choose, is the one field that says who wrote it.
 */

/** arn:<partition>:securityhub:<region>::product/aws/securityhub */
const SECURITY_HUB_CONTROLS = /^arn:aws(-cn|-us-gov)?:securityhub:[a-z]{2}(-[a-z]+)+-\d{1,2}::product\/aws\/securityhub$/;

const productPattern = (arn: string): RegExp =>
  new RegExp(`^${arn.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(':*::', ':[a-z]{2}(-[a-z]+)+-\\d{1,2}::')}$`);

/** Whether hubfix may act on findings of this product. */
export const isTrustedProduct = (productArn: string, config: HubfixConfig): boolean =>
  SECURITY_HUB_CONTROLS.test(productArn) || config.trust.products.some((trusted) => productPattern(trusted).test(productArn));

/** The reason a finding's product is refused, or undefined when it is trusted. */
export const productRefusal = (productArn: string, config: HubfixConfig): string | undefined =>
  isTrustedProduct(productArn, config)
    ? undefined
    : `not acted on: product ${productArn.slice(0, 200)} is not trusted (hubfix acts on Security Hub's own control findings` +
      `${config.trust.products.length > 0 ? ' and the products in trust.products' : ''}; a finding any account can import proves nothing)`;
