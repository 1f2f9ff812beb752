// Writes the evaluation documents to a folder, to look at them:
// `node dist/bench/eval/dump.js [--set=1|2|all] [DIR]`. Besides each document and its
// expected text, every page of a TIFF or PDF is also written as a PNG, and index.tsv lists
// the documents with their kind, split and languages.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { Rasterizer, renderedPng } from '../../src/ocr/rasterizer';
import { evalCorpus, parseSet } from './sets';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const set = parseSet(args);
  const dir = args.find((arg) => !arg.startsWith('--')) ?? `bench/results/corpus${set === '1' ? '' : `-set${set}`}`;
  mkdirSync(dir, { recursive: true });
  const rasterizer = new Rasterizer({ dpi: 150, maxPixels: 100_000_000, timeoutMs: 120_000 });
  const index = ['name\tkind\tsplit\tlanguages\tmediaType\tdescription'];
  try {
    for (const doc of await evalCorpus(set)) {
      const extension = doc.mediaType.split('/')[1]!.replace('jpeg', 'jpg');
      writeFileSync(path.join(dir, `${doc.name}.${extension}`), doc.bytes);
      writeFileSync(path.join(dir, `${doc.name}.txt`), doc.expected);
      index.push([doc.name, doc.kind, doc.split, doc.languages.join('+'), doc.mediaType, doc.description].join('\t'));
      if (doc.mediaType === 'application/pdf') {
        const count = await rasterizer.pageCount(doc.name, doc.bytes, doc.mediaType);
        for (let i = 0; i < count; i++) {
          const page = await rasterizer.render(doc.name, doc.bytes, doc.mediaType, i);
          writeFileSync(path.join(dir, `${doc.name}.page${i + 1}.png`), await renderedPng(page));
        }
      } else if (doc.mediaType === 'image/tiff') {
        const pages = (await sharp(doc.bytes).metadata()).pages ?? 1;
        for (let i = 0; i < pages; i++) {
          writeFileSync(path.join(dir, `${doc.name}.page${i + 1}.png`), await sharp(doc.bytes, { page: i }).png().toBuffer());
        }
      }
    }
  } finally {
    await rasterizer.close();
  }
  writeFileSync(path.join(dir, 'index.tsv'), `${index.join('\n')}\n`);
  console.log(`wrote the evaluation documents to ${dir}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
