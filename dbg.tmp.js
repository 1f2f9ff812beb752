const fs = require('fs');
const os = require('os');
const path = require('path');
const pino = require('pino');
const { prepareLangPath } = require('./dist/src/ocr/languages');
const { AnalysisPool } = require('./dist/src/ocr/analysisPool');
const { OrientationDetector } = require('./dist/src/ocr/orientation');
const { OcrPipeline } = require('./dist/src/ocr/pipeline');
const { Rasterizer } = require('./dist/src/ocr/rasterizer');
const { TesseractPool } = require('./dist/src/ocr/tesseractPool');
const { score } = require('./dist/bench/eval/metrics');
(async () => {
  const logger = pino({ level: 'warn' });
  const langPath = await prepareLangPath(path.join(os.tmpdir(), 'dbg-lang'));
  const pool = new TesseractPool({ size: 1, recycleAfterPages: 100, langPath, logger });
  const pipeline = new OcrPipeline({ ocr: pool, analysis: new AnalysisPool({ size: 1, timeoutMs: 120000 }), rasterizer: new Rasterizer({ dpi: 300, maxPixels: 1e8, timeoutMs: 120000 }), orientation: new OrientationDetector({ langPath, logger }), maxPixels: 1e8 });
  const index = fs.readFileSync('/tmp/set2/index.tsv', 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
  const wanted = process.argv.slice(2);
  const rows = index.filter(([n, k, split]) => (wanted.length ? wanted.includes(n) || wanted.includes(k) : split === 'dev'));
  for (const [name, , , langs] of rows) {
    const file = fs.readdirSync('/tmp/set2').find((f) => f.startsWith(name + '.') && !f.endsWith('.txt') && !f.includes('.page'));
    const bytes = fs.readFileSync(path.join('/tmp/set2', file));
    const expected = fs.readFileSync(path.join('/tmp/set2', name + '.txt'), 'utf8');
    const mt = file.endsWith('.jpg') ? 'image/jpeg' : file.endsWith('.pdf') ? 'application/pdf' : file.endsWith('.tiff') ? 'image/tiff' : 'image/png';
    const n = await pipeline.pageCount(name, bytes, mt);
    const texts = [];
    for (let i = 0; i < n; i++) {
      const p = await pipeline.preparePage(name, bytes, mt, i);
      fs.writeFileSync(`/tmp/prep-${name}-${i}.png`, p.png);
      const r = await pipeline.readPage(p, () => pipeline.plainCopy(name, bytes, mt, i), { languages: langs.split('+') });
      texts.push(r.text);
      if (process.env.V) console.log(name, i, JSON.stringify(p.analysis), r.reading);
    }
    const s = score(expected, texts.join('\f'));
    console.log(name, 'CER', (s.cer * 100).toFixed(1), 'F1', s.wordF1.toFixed(3));
  }
  process.exit(0);
})();
