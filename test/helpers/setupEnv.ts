// Every worker process a test starts inherits this: many run at once on one machine, and
// the default metrics port (9464) would be taken by the first. Tests that read a worker's
// metrics give it a free port of their own.
process.env.WORKER_METRICS_PORT = '0';

// The AWS SDK warns once per process that its releases from 2027 on need Node 22; the
// installed one runs on Node 20, and the warning would only crowd the test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
