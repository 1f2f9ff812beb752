import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The project's root folder, whether this runs from `src/` (tests) or from `dist/src/` (build). */
export const PROJECT_ROOT = findRoot(__dirname);

function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'ocr-jobs') {
      return dir;
    }
    if (path.dirname(dir) === dir) throw new Error(`no ocr-jobs package.json above ${start}`);
  }
}
