const fs = require('fs'); const os = require('os'); const path = require('path'); const pino = require('pino');
const { prepareLangPath } = require('./dist/src/ocr/languages');
const { AnalysisPool } = require('./dist/src/ocr/analysisPool');
const { OrientationDetector } = require('./dist/src/ocr/orientation');
const { OcrPipeline } = require('./dist/src/ocr/pipeline');
const { Rasterizer } = require('./dist/src/ocr/rasterizer');
const { TesseractPool } = require('./dist/src/ocr/tesseractPool');
(async () => {
  const logger = pino({ level: 'warn' });
  const langPath = await prepareLangPath(path.join(os.tmpdir(), 'dbg-lang'));
  const pool = new TesseractPool({ size: 1, recycleAfterPages: 100, langPath, logger });
  const pipeline = new OcrPipeline({ ocr: pool, analysis: new AnalysisPool({ size: 1, timeoutMs: 120000 }), rasterizer: new Rasterizer({ dpi: 300, maxPixels: 1e8, timeoutMs: 120000 }), orientation: new OrientationDetector({ langPath, logger }), maxPixels: 1e8 });
  const name = process.argv[2]; const file = fs.readdirSync('/tmp/set2').find((f) => f.startsWith(name + '.') && !f.endsWith('.txt'));
  const bytes = fs.readFileSync('/tmp/set2/' + file); const mt = file.endsWith('.jpg') ? 'image/jpeg' : 'image/png';
  const p = await pipeline.preparePage(name, bytes, mt, 0);
  const r = await pipeline.readPage(p, () => pipeline.plainCopy(name, bytes, mt, 0), { languages: (process.argv[3] || 'eng').split('+') });
  console.log(r.layout, r.reading); console.log(r.text);
  if (process.argv[4]) { const raw = await pool.recognize(p.png, { languages: ['eng'] }); console.log('--- tesseract order'); console.log(raw.text); }
  process.exit(0);
})();
