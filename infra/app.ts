import { buildApp } from './build-app';

// `cdk synth` / `cdk deploy` entry (cdk.json): configuration from context `hubfixConfig` or config/hubfix.config.json.
const { app } = buildApp();
app.synth();
