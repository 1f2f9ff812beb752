// The baseline for the HTTP benchmarks: a bare express app that accepts the same upload and
// answers 202 (and a fixed job for reads), with no storage and no Temporal. What is left
// over in our numbers is what storing the document and starting the workflow cost.
import express from 'express';

const port = Number(process.argv[2] ?? 0);
const app = express();
app.disable('x-powered-by');
const job = { jobId: '00000000-0000-4000-8000-000000000000', status: 'PENDING', progress: 0 };
app.post('/jobs', express.raw({ type: () => true, limit: 25 * 1024 * 1024 }), (_req, res) => {
  res.status(202).location(`/jobs/${job.jobId}`).json(job);
});
app.get('/jobs/:id', (_req, res) => {
  res.json(job);
});
const server = app.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ msg: 'baseline listening' })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
