import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/paths';

// The built logger, as the API and worker processes load it.
const logOnce = `require('${path.join(PROJECT_ROOT, 'dist/src/logger')}').createLogger('worker', 'info').info({ jobId: 'job-1', page: 2 }, 'page read')`;

describe('logs', () => {
  test('when stdout is a terminal, then a line is human-readable; when it is not, then it is one JSON object', () => {
    // `script` gives the process a real terminal, as a developer's shell does.
    const onTerminal = execFileSync('script', ['-qfec', `"${process.execPath}" -e "${logOnce}"`, '/dev/null'], { encoding: 'utf8' });
    const piped = execFileSync(process.execPath, ['-e', logOnce], { encoding: 'utf8' });

    expect(onTerminal).toMatch(/INFO.*page read/);
    expect(onTerminal).toMatch(/jobId.*"job-1"/);
    expect(onTerminal).not.toContain('{"level"');
    expect(JSON.parse(piped.trim())).toMatchObject({ level: 30, service: 'worker', jobId: 'job-1', page: 2, msg: 'page read' });
  });
});
