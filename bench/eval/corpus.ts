// The evaluation set: pages rendered from known text, then damaged the way real uploads are
// (turned, photographed, skewed, noisy, faint, inverted, tiny, multi-page, PDF, columns, tables).
import { PDFDocument, StandardFonts } from 'pdf-lib';
import sharp from 'sharp';
import { escapeXml } from '../../test/helpers/images';
import { random } from './random';
import { COLUMN_LEFT, COLUMN_RIGHT, PROSE, PROSE_B, SHORT, TABLE } from './texts';

export interface EvalDocument {
  name: string;
  /** What sort of document it is; the evaluation summarises per kind. */
  kind: string;
  description: string;
  bytes: Buffer;
  mediaType: string;
  /** The text as a reader would read it; pages separated by a form feed. */
  expected: string;
  /** Tesseract language codes the document is read in. */
  languages: string[];
  /** `dev` documents may be looked at while tuning the pipeline; `test` ones judge it. */
  split: 'dev' | 'test';
}

/** A set-1 document as its builders make it; all of set 1 is English and has been tuned on. */
type Set1Document = Omit<EvalDocument, 'kind' | 'languages' | 'split'>;

/** The kind of each set-1 document, by name. */
const SET1_KINDS: Record<string, string> = {
  'clean-300dpi': 'clean',
  'clean-150dpi': 'clean',
  'rotated-90': 'rotated',
  'rotated-180': 'rotated',
  'rotated-270': 'rotated',
  'exif-rotated': 'rotated',
  skewed: 'skewed',
  noisy: 'noisy',
  blurred: 'blurred',
  'low-contrast': 'faint',
  inverted: 'inverted',
  'small-print': 'small-print',
  'uneven-light': 'photo',
  'faded-fax': 'faint',
  'phone-jpeg': 'photo',
  'two-column': 'columns',
  'headed-columns': 'columns',
  table: 'table',
  'table-plain': 'table',
  'multipage-tiff': 'multipage',
  'scanned-pdf': 'multipage',
  'born-digital-pdf': 'pdf',
};

const A4 = { width: 8.27, height: 11.69 };
const FONT = 'DejaVu Serif';

interface TextItem {
  x: number;
  y: number;
  text: string;
}

/** An A4 page at `dpi` with text items placed in points-like units scaled to pixels. */
async function renderA4(dpi: number, items: TextItem[], { fontPt = 11, extraSvg = '', font = FONT } = {}): Promise<Buffer> {
  const width = Math.round(A4.width * dpi);
  const height = Math.round(A4.height * dpi);
  const px = (pt: number) => (pt * dpi) / 72;
  const text = items
    .map((item) => `<text x="${px(item.x).toFixed(1)}" y="${px(item.y).toFixed(1)}">${escapeXml(item.text)}</text>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="white"/>${extraSvg}
    <g font-family="${font}" font-size="${px(fontPt).toFixed(1)}" fill="black">${text}</g></svg>`;
  return sharp(Buffer.from(svg)).greyscale().png().toBuffer();
}

function lines(textLines: string[], { x = 72, y = 90, leading = 17 } = {}): TextItem[] {
  return textLines.map((text, i) => ({ x, y: y + i * leading, text }));
}

/** Salt-and-pepper specks plus grain, like a dirty scanner glass. */
async function addNoise(png: Buffer, { specks = 0.02, grain = 25, seed = 7 } = {}): Promise<Buffer> {
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  const next = random(seed);
  for (let i = 0; i < data.length; i++) {
    const r = next();
    if (r < specks / 2) data[i] = 0;
    else if (r < specks) data[i] = 255;
    else data[i] = Math.max(0, Math.min(255, data[i]! + (next() - 0.5) * 2 * grain));
  }
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 1 } }).png().toBuffer();
}

/** A shadow falling across the page, darker to one side, as in a phone photo of a sheet. */
async function unevenLight(png: Buffer, { darkest = 70 } = {}): Promise<Buffer> {
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      const shade = 1 - (darkest / 255) * Math.min(1, Math.max(0, (x / info.width) * 0.8 + (y / info.height) * 0.6 - 0.2));
      const i = y * info.width + x;
      data[i] = Math.round(data[i]! * shade);
    }
  }
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 1 } }).png().toBuffer();
}

const join = (textLines: string[]) => textLines.join('\n');

async function proseDocs(): Promise<Set1Document[]> {
  const page150 = await renderA4(150, lines(PROSE));
  const page200 = await renderA4(200, lines(PROSE));
  const pageB200 = await renderA4(200, lines(PROSE_B));
  const docs: Set1Document[] = [
    {
      name: 'clean-300dpi',
      description: 'clean page, 11 pt at 300 dpi',
      bytes: await renderA4(300, lines(PROSE)),
      mediaType: 'image/png',
      expected: join(PROSE),
    },
    {
      name: 'clean-150dpi',
      description: 'clean page, 11 pt at 150 dpi',
      bytes: page150,
      mediaType: 'image/png',
      expected: join(PROSE),
    },
  ];
  for (const angle of [90, 180, 270]) {
    docs.push({
      name: `rotated-${angle}`,
      description: `page turned ${angle} degrees`,
      bytes: await sharp(pageB200).rotate(angle).png().toBuffer(),
      mediaType: 'image/png',
      expected: join(PROSE_B),
    });
  }
  docs.push(
    {
      name: 'exif-rotated',
      description: 'JPEG stored sideways with EXIF orientation 6',
      bytes: await sharp(pageB200).rotate(270).jpeg({ quality: 85 }).withMetadata({ orientation: 6 }).toBuffer(),
      mediaType: 'image/jpeg',
      expected: join(PROSE_B),
    },
    {
      name: 'skewed',
      description: 'scanned 3.5 degrees askew',
      bytes: await sharp(page200).rotate(3.5, { background: 'white' }).png().toBuffer(),
      mediaType: 'image/png',
      expected: join(PROSE),
    },
    {
      name: 'noisy',
      description: 'salt-and-pepper specks and grain',
      bytes: await addNoise(pageB200, { specks: 0.04, grain: 40 }),
      mediaType: 'image/png',
      expected: join(PROSE_B),
    },
    {
      name: 'blurred',
      description: 'out-of-focus scan (Gaussian blur, sigma 2)',
      bytes: await sharp(page200).blur(2).png().toBuffer(),
      mediaType: 'image/png',
      expected: join(PROSE),
    },
    {
      name: 'low-contrast',
      description: 'grey text on grey paper, like a faded fax',
      bytes: await addNoise(await sharp(pageB200).linear(45 / 255, 125).png().toBuffer(), { specks: 0, grain: 8 }),
      mediaType: 'image/png',
      expected: join(PROSE_B),
    },
    {
      name: 'inverted',
      description: 'white text on black',
      bytes: await sharp(page200).negate().png().toBuffer(),
      mediaType: 'image/png',
      expected: join(PROSE),
    },
    {
      name: 'small-print',
      description: '8 pt text scanned at 100 dpi',
      bytes: await renderA4(100, lines([...SHORT, ...PROSE_B], { leading: 12 }), { fontPt: 8 }),
      mediaType: 'image/png',
      expected: join([...SHORT, ...PROSE_B]),
    },
    {
      name: 'uneven-light',
      description: 'phone photo: a shadow darkens one side',
      bytes: await unevenLight(page200, { darkest: 150 }),
      mediaType: 'image/png',
      expected: join(PROSE),
    },
    {
      name: 'faded-fax',
      description: 'faint, blurred, grainy 150 dpi fax',
      bytes: await addNoise(
        await sharp(page150).blur(1.2).linear(80 / 255, 150).png().toBuffer(),
        { specks: 0.005, grain: 20, seed: 11 },
      ),
      mediaType: 'image/png',
      expected: join(PROSE),
    },
    {
      name: 'phone-jpeg',
      description: 'phone photo: slight tilt, blur, shadow, heavy JPEG compression',
      bytes: await sharp(await unevenLight(await sharp(pageB200).rotate(1.5, { background: 'white' }).blur(1.2).png().toBuffer()))
        .jpeg({ quality: 30 })
        .toBuffer(),
      mediaType: 'image/jpeg',
      expected: join(PROSE_B),
    },
  );
  return docs;
}

async function layoutDocs(): Promise<Set1Document[]> {
  const columns = [...lines(COLUMN_LEFT, { x: 60 }), ...lines(COLUMN_RIGHT, { x: 320 })];
  const columnX = [72, 230, 340, 440];
  const rowY = (row: number) => 100 + row * 26;
  const tableItems = TABLE.flatMap((row, r) => row.map((cell, c) => ({ x: columnX[c]!, y: rowY(r), text: cell })));
  const rules = TABLE.map((_, r) => {
    const y = ((rowY(r) + 8) * 200) / 72;
    return `<line x1="${(64 * 200) / 72}" y1="${y}" x2="${(520 * 200) / 72}" y2="${y}" stroke="black" stroke-width="2"/>`;
  }).join('');
  const plainTableX = [72, 250, 370, 470];
  const plainTable = TABLE.flatMap((row, r) => row.map((cell, c) => ({ x: plainTableX[c]!, y: 100 + r * 22, text: cell })));
  const title = 'Notes on food history';
  const headed = [{ x: 190, y: 80, text: title }, ...lines(COLUMN_LEFT, { x: 60, y: 120 }), ...lines(COLUMN_RIGHT, { x: 320, y: 120 })];
  return [
    {
      name: 'two-column',
      description: 'two columns of prose side by side',
      bytes: await renderA4(200, columns),
      mediaType: 'image/png',
      expected: join([...COLUMN_LEFT, ...COLUMN_RIGHT]),
    },
    {
      name: 'headed-columns',
      description: 'a title across two columns of prose, at 150 dpi',
      bytes: await renderA4(150, headed),
      mediaType: 'image/png',
      expected: join([title, ...COLUMN_LEFT, ...COLUMN_RIGHT]),
    },
    {
      name: 'table',
      description: 'an invoice table with ruled rows',
      bytes: await renderA4(200, tableItems, { extraSvg: rules }),
      mediaType: 'image/png',
      expected: TABLE.map((row) => row.join(' ')).join('\n'),
    },
    {
      name: 'table-plain',
      description: 'an invoice table without rules, wide columns',
      bytes: await renderA4(200, plainTable, { font: 'DejaVu Sans' }),
      mediaType: 'image/png',
      expected: TABLE.map((row) => row.join(' ')).join('\n'),
    },
  ];
}

async function multiPageDocs(): Promise<Set1Document[]> {
  const parts = [PROSE.slice(0, 6), PROSE.slice(6, 12), PROSE_B.slice(0, 6)];
  const pages = await Promise.all(parts.map((part) => renderA4(200, lines(part))));
  const tiff = await sharp(pages, { join: { animated: true } }).tiff({ compression: 'lzw' }).toBuffer();

  const scanned = await PDFDocument.create();
  for (const png of [await addNoise(pages[0]!, { specks: 0.01, grain: 15 }), pages[1]!]) {
    const image = await scanned.embedPng(png);
    scanned.addPage([A4.width * 72, A4.height * 72]).drawImage(image, { x: 0, y: 0, width: A4.width * 72, height: A4.height * 72 });
  }

  const digital = await PDFDocument.create();
  const font = await digital.embedFont(StandardFonts.TimesRoman);
  const page = digital.addPage([A4.width * 72, A4.height * 72]);
  PROSE_B.forEach((line, i) => page.drawText(line, { x: 72, y: A4.height * 72 - 90 - i * 17, size: 11, font }));

  return [
    {
      name: 'multipage-tiff',
      description: 'three-page TIFF',
      bytes: tiff,
      mediaType: 'image/tiff',
      expected: parts.map(join).join('\f'),
    },
    {
      name: 'scanned-pdf',
      description: 'two scanned pages in a PDF',
      bytes: Buffer.from(await scanned.save()),
      mediaType: 'application/pdf',
      expected: parts.slice(0, 2).map(join).join('\f'),
    },
    {
      name: 'born-digital-pdf',
      description: 'a PDF with real (vector) text',
      bytes: Buffer.from(await digital.save()),
      mediaType: 'application/pdf',
      expected: join(PROSE_B),
    },
  ];
}

/** Evaluation set 1: 22 pages of English prose, tables and columns, each damaged one way. */
export async function buildCorpus(): Promise<EvalDocument[]> {
  const docs = [...(await proseDocs()), ...(await layoutDocs()), ...(await multiPageDocs())];
  return docs.map((doc) => ({ ...doc, kind: SET1_KINDS[doc.name] ?? 'other', languages: ['eng'], split: 'dev' }));
}
