// Runs before every test file.
process.env.CDK_VALIDATION = 'false'; // aws-cdk-lib template validation costs ~2 s a synth; one test runs it on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT';
process.env.POWERTOOLS_DEV = 'true';
// Tests never reach AWS: a client created without the simulator or a mock fails fast instead of hanging.
process.env.AWS_REGION = process.env.AWS_REGION ?? 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'testing';
process.env.AWS_SECRET_ACCESS_KEY = 'testing';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
