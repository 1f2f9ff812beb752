// Every worker process a test starts inherits this: many run at once on one machine, and
// the default metrics port (9464) would be taken by the first. Tests that read a worker's
// metrics give it a free port of their own.
process.env.WORKER_METRICS_PORT = '0';
