import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../paths';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../shared/searchAttributes';

/** The project's script that finds the Temporal CLI or installs it (see scripts/temporal-cli.sh). */
export const TEMPORAL_CLI_SCRIPT = path.join(PROJECT_ROOT, 'scripts/temporal-cli.sh');

/** Path of a working `temporal` binary; builds one with `go install` the first time. */
export function findTemporalCli(script = TEMPORAL_CLI_SCRIPT): string {
  return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

export interface DevServerArgs {
  port: number;
  /** No Web UI when null. */
  uiPort: number | null;
  namespace: string;
  dbFile: string;
  ip?: string;
}

/** Arguments of `temporal server start-dev` keeping its state in a SQLite file. */
export function devServerArgs({ port, uiPort, namespace, dbFile, ip = '127.0.0.1' }: DevServerArgs): string[] {
  return [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(port),
    ...(uiPort === null ? ['--headless'] : ['--ui-port', String(uiPort)]),
    '--namespace',
    namespace,
    '--db-filename',
    dbFile,
    '--log-level',
    'warn',
    // Write-ahead logging without an fsync per commit: a killed server loses nothing, a
    // power cut may lose the last commits. A development server; clusters use their own store.
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    // The server hands an activity scheduled on a polling worker straight back to it.
    '--dynamic-config-value',
    'system.enableActivityEagerExecution=true',
    // Registered up front so the first job can use them; the service checks them at start too.
    ...CUSTOM_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${searchAttributeTypeName(key.type)}`]),
  ];
}

/** The CLI's name of a search attribute type: KEYWORD → Keyword, KEYWORD_LIST → KeywordList. */
function searchAttributeTypeName(type: string): string {
  return type
    .toLowerCase()
    .split('_')
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');
}
