import { existsSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../paths';

/** A built worker-thread script: beside this file in `dist/`, or in `dist/` when running from `src/`. */
export function threadScript(name: string): string {
  const beside = path.join(__dirname, name);
  if (existsSync(beside)) return beside;
  const built = path.join(PROJECT_ROOT, 'dist/src/ocr', name);
  if (existsSync(built)) return built;
  throw new Error(`${name} is not built; run \`npm run build\``);
}
