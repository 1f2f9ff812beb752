const fs = require('fs'); const os = require('os'); const path = require('path'); const pino = require('pino');
const { prepareLangPath } = require('./dist/src/ocr/languages');
const { AnalysisPool } = require('./dist/src/ocr/analysisPool');
const { OrientationDetector } = require('./dist/src/ocr/orientation');
const { OcrPipeline } = require('./dist/src/ocr/pipeline');
const { Rasterizer } = require('./dist/src/ocr/rasterizer');
const { TesseractPool } = require('./dist/src/ocr/tesseractPool');
const { buildCorpus } = require('./dist/bench/eval/corpus');
(async () => {
  const logger = pino({ level: 'warn' });
  const langPath = await prepareLangPath(path.join(os.tmpdir(), 'dbg-lang'));
  const pool = new TesseractPool({ size: 1, recycleAfterPages: 100, langPath, logger });
  const pipeline = new OcrPipeline({ ocr: pool, analysis: new AnalysisPool({ size: 1, timeoutMs: 120000 }), rasterizer: new Rasterizer({ dpi: 300, maxPixels: 1e8, timeoutMs: 120000 }), orientation: new OrientationDetector({ langPath, logger }), maxPixels: 1e8 });
  const set1 = await buildCorpus();
  const docs = process.argv.slice(2);
  for (const name of docs) {
    let bytes, mt, langs = ['eng'];
    const d1 = set1.find((d) => d.name === name);
    if (d1) { bytes = d1.bytes; mt = d1.mediaType; } else { const file = fs.readdirSync('/tmp/set2').find((f) => f.startsWith(name + '.') && !f.endsWith('.txt')); bytes = fs.readFileSync('/tmp/set2/' + file); mt = file.endsWith('.jpg') ? 'image/jpeg' : 'image/png'; }
    const p = await pipeline.preparePage(name, bytes, mt, 0);
    const r = await pipeline.recognizePage(p.png, { languages: langs });
    for (const b of r.blocks) for (const l of b.lines) console.log(name, Math.round(l.confidence), l.words.map((w) => `${w.text}:${Math.round(w.confidence)}`).join(' ').slice(0, 150));
  }
  process.exit(0);
})();
