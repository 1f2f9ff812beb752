// Workflow histories kept as test fixtures, in Temporal's binary protobuf form (the JSON
// form needs the SDK's JSON converter, which fails when npm installs protobufjs twice).
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export const HISTORIES_DIR = path.join(__dirname, '../fixtures/histories');
export const HISTORY_EXTENSION = '.binpb';

type History = temporal.api.history.v1.History;

/** Writes the finished workflow's history to `test/fixtures/histories/<name>.binpb`. */
export async function saveHistory(handle: WorkflowHandle, name: string): Promise<void> {
  await handle.result().catch(() => undefined);
  const history = await handle.fetchHistory();
  const bytes = temporal.api.history.v1.History.encode(history).finish();
  await writeFile(path.join(HISTORIES_DIR, `${name}${HISTORY_EXTENSION}`), bytes);
}

export function loadHistory(file: string): History {
  return temporal.api.history.v1.History.decode(readFileSync(path.join(HISTORIES_DIR, file)));
}
