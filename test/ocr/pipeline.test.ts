// The OCR pipeline on damaged pages the tests draw: real sharp, MuPDF and tesseract.js.
import { PDFDocument, StandardFonts } from 'pdf-lib';
import sharp from 'sharp';
import { AnalysisPool } from '../../src/ocr/analysisPool';
import { OcrPipeline } from '../../src/ocr/pipeline';
import { Rasterizer } from '../../src/ocr/rasterizer';
import { createOcrFixture, type OcrFixture } from '../helpers/harness';
import { renderText, wordRecall, words } from '../helpers/images';

let fixture: OcrFixture;
let page: Buffer;
const LINES = [
  'The harbour opened at seven in the morning',
  'and the first boats brought fresh fish and',
  'bread from the villages along the coast.',
  'Traders counted their coins on the quay',
  'while the gulls waited for scraps nearby.',
];
const EXPECTED = words(LINES.join(' '));

beforeAll(async () => {
  fixture = await createOcrFixture();
  page = await renderText({ lines: LINES, fontSize: 30, width: 900, font: 'DejaVu Serif' });
});
afterAll(async () => {
  await fixture?.close();
});

async function read(bytes: Buffer, mediaType = 'image/png', pageIndex = 0) {
  const { pipeline } = fixture.deps;
  const prepared = await pipeline.preparePage(`doc-${Math.random()}`, bytes, mediaType, pageIndex);
  const recognized = await pipeline.recognizePage(prepared.png, { languages: ['eng'] });
  return { analysis: prepared.analysis, text: recognized.text, layout: recognized.layout };
}

describe('preprocessing', () => {
  test.each([90, 180, 270])('when a page is turned %i degrees, then it is turned back and read', async (angle) => {
    const turned = await sharp(page).rotate(angle).png().toBuffer();

    const { analysis, text } = await read(turned);

    expect(analysis.orientation).toBe((360 - angle) % 360);
    expect(analysis.preparation).toBe('full');
    expect(words(text)).toEqual(EXPECTED);
  });

  test('when a JPEG says by EXIF that it is stored sideways, then it is read upright', async () => {
    const sideways = await sharp(page).rotate(270).jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toBuffer();

    const { analysis, text } = await read(sideways, 'image/jpeg');

    expect(analysis.orientation).toBe(0);
    expect(words(text)).toEqual(EXPECTED);
  });

  test('when a page is scanned askew, then the skew is measured and corrected', async () => {
    const askew = await sharp(page).rotate(3, { background: 'white' }).png().toBuffer();

    const { analysis, text } = await read(askew);

    expect(analysis.preparation).toBe('full');
    expect(analysis.skew).toBeGreaterThan(2.5);
    expect(analysis.skew).toBeLessThan(3.5);
    expect(words(text)).toEqual(EXPECTED);
  });

  test('when the text is light on dark, then the page is inverted and read', async () => {
    const { analysis, text } = await read(await sharp(page).negate().png().toBuffer());

    expect(analysis.preparation).toBe('full');
    expect(analysis.inverted).toBe(true);
    expect(words(text)).toEqual(EXPECTED);
  });

  test('when the print is tiny, then the page is scaled up before reading', async () => {
    const tiny = await renderText({ lines: LINES, fontSize: 11, width: 330, margin: 20 });

    const { analysis, text } = await read(tiny);

    expect(analysis.scale).toBeGreaterThan(1.2);
    // Six-pixel letters: a slip such as rn for m is allowed, losing the text is not.
    expect(wordRecall(EXPECTED, words(text))).toBeGreaterThan(0.9);
  });

  test('when the scan is grainy and specked, then the specks are cleared and the page is read', async () => {
    const { data, info } = await sharp(page).greyscale().raw().toBuffer({ resolveWithObject: true });
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < data.length; i++) {
      const r = random();
      data[i] = r < 0.02 ? 0 : Math.max(0, Math.min(255, data[i]! + (random() - 0.5) * 90));
    }
    const noisy = await sharp(data, { raw: { width: info.width, height: info.height, channels: 1 } }).png().toBuffer();

    const { analysis, text } = await read(noisy);

    expect(analysis.preparation).toBe('full');
    expect(words(text)).toEqual(EXPECTED);
  });
});

describe('first look', () => {
  let analysis: AnalysisPool;
  let rasterizer: Rasterizer;
  /** The same pipeline with every page analysed in full. */
  let fullAnalysis: OcrPipeline;
  const over = (svg: string) =>
    sharp(page)
      .composite([{ input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="900" height="360">${svg}</svg>`) }])
      .png()
      .toBuffer();

  beforeAll(() => {
    analysis = new AnalysisPool({ size: 1, timeoutMs: 60_000 });
    rasterizer = new Rasterizer({ dpi: 300, maxPixels: 100_000_000, timeoutMs: 60_000 });
    fullAnalysis = new OcrPipeline({ ocr: fixture.pool, analysis, rasterizer, maxPixels: 100_000_000, skip: new Set(['firstLook']) });
  });
  afterAll(async () => {
    await analysis?.close();
    await rasterizer?.close();
  });

  test('when a page is clean, then only its levels and size are set, as the full analysis would set them', async () => {
    const scan = await sharp(page).greyscale().linear(0.8, 30).png().toBuffer();

    const { analysis: light, text } = await read(scan);
    const full = await fullAnalysis.preparePage('full', scan, 'image/png', 0);

    expect(light.preparation).toBe('light');
    expect(Object.keys(light.timingsMs)).toEqual(['decode', 'first_look', 'scale']);
    expect(full.analysis.preparation).toBe('full');
    expect(light.characterPx).toBe(full.analysis.characterPx);
    expect(light.scale).toBe(full.analysis.scale);
    expect(words(text)).toEqual(EXPECTED);
  });

  test.each([
    ['has a ruled line under its text', '<rect x="60" y="272" width="780" height="3" fill="black"/>', { unruled: true }],
    [
      'has a dark bar holding white text',
      '<rect x="600" y="10" width="280" height="44" fill="#1f3a93"/><text x="620" y="42" font-family="DejaVu Sans" font-size="26" fill="white">Pay now</text>',
      { invertedAreas: 1 },
    ],
    ['has a headline', '<text x="560" y="110" font-family="DejaVu Sans" font-size="110" fill="black">Q4</text>', {}],
    ['lies in a shadow', '<rect x="0" y="0" width="300" height="360" fill="black" fill-opacity="0.4"/>', {}],
  ])('when a page %s, then it is analysed in full', async (_, svg, found) => {
    const { analysis: prepared } = await read(await over(svg));

    expect(prepared).toMatchObject({ preparation: 'full', ...found });
  });

  test('when a page lies a degree askew, then it is analysed in full and levelled', async () => {
    const askew = await sharp(page).rotate(1, { background: 'white' }).png().toBuffer();

    const { analysis: prepared, text } = await read(askew);

    expect(prepared.preparation).toBe('full');
    expect(prepared.skew).toBeGreaterThan(0.5);
    expect(words(text)).toEqual(EXPECTED);
  });
});

describe('documents and reading order', () => {
  test('when a PDF has real text, then its page is rendered and read', async () => {
    const pdf = await PDFDocument.create();
    const font = await pdf.embedFont(StandardFonts.Helvetica);
    const sheet = pdf.addPage([420, 300]);
    LINES.forEach((line, i) => sheet.drawText(line, { x: 30, y: 260 - i * 18, size: 12, font }));
    const bytes = Buffer.from(await pdf.save());

    expect(await fixture.deps.pipeline.pageCount('pdf', bytes, 'application/pdf')).toBe(1);
    expect(words((await read(bytes, 'application/pdf')).text)).toEqual(EXPECTED);
  });

  test('when the document is a BMP, then MuPDF decodes it at its own size', async () => {
    const { data, info } = await sharp(page).greyscale().raw().toBuffer({ resolveWithObject: true });
    const bmp = toBmp(data, info.width, info.height);

    const { text } = await read(bmp, 'image/bmp');

    expect(words(text)).toEqual(EXPECTED);
  });

  test('when two columns of prose stand side by side, then one column is read after the other', async () => {
    const left = ['Apples grow on trees', 'in cool green orchards', 'and ripen in autumn'];
    const right = ['Salmon swim upstream', 'to lay eggs in rivers', 'where they were born'];
    const columns = await renderText({ lines: left.map((line, i) => `${line.padEnd(30, '\u00a0')}${right[i]}`), width: 1300 });

    const { text, layout } = await read(columns);

    expect(layout).toBe('columns');
    expect(words(text)).toEqual(words([...left, ...right].join(' ')));
  });

  test('when the page is a table, then it is read row by row', async () => {
    const rows = [
      ['Item', 'Qty', 'Price'],
      ['Paper', '12', '4.50'],
      ['Pens', '40', '0.80'],
      ['Lamp', '2', '29.00'],
    ];
    const table = await renderText({
      lines: rows.map((row) => row.map((cell) => cell.padEnd(16, '\u00a0')).join('')),
      width: 1100,
    });

    const { text, layout } = await read(table);

    expect(layout).toBe('table');
    expect(words(text)).toEqual(words(rows.flat().join(' ')));
  });

  test('when a page is French, then French language data reads its accents', async () => {
    const french = await renderText({ lines: ['Les élèves ont réussi leur été', 'grâce à leur travail régulier.'] });
    const prepared = await fixture.deps.pipeline.preparePage('fr', french, 'image/png', 0);

    const { text } = await fixture.deps.pipeline.recognizePage(prepared.png, { languages: ['fra'] });

    expect(text).toContain('élèves');
    expect(text).toContain('grâce');
  });
});

/** A 24-bit bottom-up BMP of grey pixels, written by hand (sharp does not write BMP). */
function toBmp(grey: Buffer, width: number, height: number): Buffer {
  const stride = Math.ceil((width * 3) / 4) * 4;
  const bmp = Buffer.alloc(54 + stride * height);
  bmp.write('BM');
  bmp.writeUInt32LE(bmp.length, 2);
  bmp.writeUInt32LE(54, 10);
  bmp.writeUInt32LE(40, 14);
  bmp.writeInt32LE(width, 18);
  bmp.writeInt32LE(height, 22);
  bmp.writeUInt16LE(1, 26);
  bmp.writeUInt16LE(24, 28);
  bmp.writeUInt32LE(stride * height, 34);
  for (let y = 0; y < height; y++) {
    const row = 54 + (height - 1 - y) * stride;
    for (let x = 0; x < width; x++) bmp.fill(grey[y * width + x]!, row + x * 3, row + x * 3 + 3);
  }
  return bmp;
}
