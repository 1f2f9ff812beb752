// Writes the evaluation documents to a folder, to look at them: `node dist/bench/eval/dump.js DIR`.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildCorpus } from './corpus';

async function main(): Promise<void> {
  const dir = process.argv[2] ?? 'bench/results/corpus';
  mkdirSync(dir, { recursive: true });
  for (const doc of await buildCorpus()) {
    const extension = doc.mediaType.split('/')[1]!.replace('jpeg', 'jpg');
    writeFileSync(path.join(dir, `${doc.name}.${extension}`), doc.bytes);
    writeFileSync(path.join(dir, `${doc.name}.txt`), doc.expected);
  }
  console.log(`wrote the evaluation documents to ${dir}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
