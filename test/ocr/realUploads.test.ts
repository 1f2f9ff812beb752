// Pages the way real uploads come, drawn by the test: transparency, fax pixels, dim photos,
// crooked sheets, headlines over small print, blank pages, and a page that takes too long.
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import sharp from 'sharp';
import type { UploadSource } from '../../src/shared/schemas';
import { jobKeys } from '../../src/storage/blobStore';
import { activityEnvironment, createOcrFixture, runActivity as run, type OcrFixture } from '../helpers/harness';
import { escapeXml, renderText, wordRecall, words } from '../helpers/images';

let fixture: OcrFixture;
let page: Buffer;
const LINES = [
  'Shipping notice for the spring order',
  'Twelve boxes of tiles left the depot',
  'on Monday and should arrive by Friday.',
  'Please count them on delivery and sign',
  'the enclosed form before the driver leaves.',
];
const EXPECTED = words(LINES.join(' '));

beforeAll(async () => {
  fixture = await createOcrFixture({ OCR_PAGE_TIMEOUT_MS: '1000' });
  page = await renderText({ lines: LINES, fontSize: 30, width: 900, font: 'DejaVu Serif' });
});
afterAll(async () => {
  await fixture?.close();
});

/** Reads a page as the service does: prepared, then read (with the plain reading to fall back on). */
async function read(bytes: Buffer, mediaType = 'image/png') {
  const { pipeline } = fixture.deps;
  const key = `doc-${Math.random()}`;
  const prepared = await pipeline.preparePage(key, bytes, mediaType, 0);
  const recognized = await pipeline.readPage(prepared, () => pipeline.plainCopy(key, bytes, mediaType, 0), { languages: ['eng'] });
  return { prepared, analysis: prepared.analysis, text: recognized.text };
}

/** The page's text as an RGBA image whose shapes are only in its alpha channel. */
async function alphaOnly(png: Buffer, colour: number): Promise<Buffer> {
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  const rgba = Buffer.alloc(info.width * info.height * 4);
  for (let i = 0; i < data.length; i++) {
    rgba.fill(colour, i * 4, i * 4 + 3);
    rgba[i * 4 + 3] = 255 - data[i]!;
  }
  return sharp(rgba, { raw: { width: info.width, height: info.height, channels: 4 } }).png().toBuffer();
}

describe('transparency', () => {
  test.each([
    ['black', 0],
    ['white', 255],
  ])('when %s text exists only in the alpha channel of a transparent page, then it is read', async (_name, colour) => {
    const { text } = await read(await alphaOnly(page, colour));

    expect(words(text)).toEqual(EXPECTED);
  });
});

describe('faxes', () => {
  test('when a TIFF declares 204 x 98 dpi (pixels twice as tall as wide), then it is read at square pixels and reported at its own size', async () => {
    const { width, height } = await sharp(page).metadata();
    const squashed = await sharp(page).resize({ width: width!, height: Math.round(height! / 2), fit: 'fill' }).toBuffer();
    const fax = await sharp(squashed)
      .flatten({ background: 'white' })
      .threshold(160)
      .toColourspace('b-w')
      .tiff({ compression: 'ccittfax4', bitdepth: 1, xres: 204 / 25.4, yres: 98 / 25.4 })
      .toBuffer();

    const { prepared, text } = await read(fax, 'image/tiff');

    expect(wordRecall(EXPECTED, words(text))).toBeGreaterThanOrEqual(0.95);
    expect(prepared.geometry).toMatchObject({ sourceWidth: width, sourceHeight: Math.round(height! / 2) });
    expect(prepared.geometry.squareHeight).toBeGreaterThan(height! * 0.95);
  });
});

describe('light and polarity', () => {
  test('when a photo of white paper is dim (paper at a quarter of full brightness), then it is not taken for a dark page', async () => {
    const dim = await sharp(page).linear(0.25, 0).png().toBuffer();

    const { analysis, text } = await read(dim);

    expect(analysis.inverted).toBe(false);
    expect(words(text)).toEqual(EXPECTED);
  });
});

describe('screenshots', () => {
  test('when white text sits on blue bars and buttons of a light screen, then those areas are turned and their text read', async () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1280" height="800"><rect width="100%" height="100%" fill="#f4f5f7"/>
      <rect x="0" y="0" width="1280" height="56" fill="#1f4e9c"/>
      <text x="24" y="36" font-family="DejaVu Sans" font-size="18" fill="white">Northwind Orders Dashboard</text>
      <g font-family="DejaVu Sans" font-size="14" fill="#222">
        <text x="40" y="120">Order 4471 was shipped to the Leeds warehouse today</text>
        <text x="40" y="150">Three invoices are waiting for your approval</text>
      </g>
      <rect x="40" y="190" width="170" height="40" rx="6" fill="#2563eb"/>
      <text x="62" y="216" font-family="DejaVu Sans" font-size="15" fill="white">Approve all</text>
      <rect x="230" y="190" width="150" height="40" rx="6" fill="#b91c1c"/>
      <text x="252" y="216" font-family="DejaVu Sans" font-size="15" fill="white">Reject all</text></svg>`;
    const screenshot = await sharp(Buffer.from(svg)).png().toBuffer();

    const { analysis, text } = await read(screenshot);

    expect(analysis.invertedAreas).toBeGreaterThanOrEqual(2);
    const expected = words('Northwind Orders Dashboard Order 4471 was shipped to the Leeds warehouse today Three invoices are waiting for your approval Approve all Reject all');
    expect(wordRecall(expected, words(text))).toBeGreaterThanOrEqual(0.9);
    expect(words(text)).toEqual(expect.arrayContaining(['northwind', 'dashboard', 'approve', 'reject']));
  });
  test('when status pills hold dark text on orange and white text on green, then each keeps its text dark on light', async () => {
    const rows = [
      ['#10481', 'Linden & Marsh', '386.50', 'Pending', '#f59e0b', '#3b2300'],
      ['#10482', 'Harbour Tea Co.', '1,240.00', 'Paid', '#16a34a', 'white'],
      ['#10470', 'Quint Logistics', '13,480.00', 'Pending', '#f59e0b', '#3b2300'],
      ['#10477', 'Bellweather Cafe', '92.00', 'Paid', '#16a34a', 'white'],
    ];
    const body = rows
      .map(([order, customer, amount, status, fill, ink], r) => {
        const y = 120 + r * 44;
        return `<text x="40" y="${y}">${escapeXml(order!)}</text><text x="170" y="${y}">${escapeXml(customer!)}</text><text x="420" y="${y}">${amount}</text>
          <rect x="560" y="${y - 16}" width="${status!.length * 9 + 20}" height="22" rx="11" fill="${fill}"/>
          <text x="570" y="${y}" font-weight="bold" font-size="12" fill="${ink}">${status}</text>`;
      })
      .join('');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1280" height="800"><rect width="100%" height="100%" fill="white"/>
      <rect x="0" y="0" width="1280" height="56" fill="#1d4ed8"/>
      <text x="24" y="34" font-family="DejaVu Sans" font-size="17" font-weight="bold" fill="white">Northwind Orders</text>
      <g font-family="DejaVu Sans" font-size="13" fill="#111827">${body}</g>
      <rect x="0" y="776" width="1280" height="24" fill="#1f2937"/>
      <text x="12" y="793" font-family="DejaVu Sans" font-size="12" fill="#d1d5db">Connected, last sync 09:42</text></svg>`;

    const { text } = await read(await sharp(Buffer.from(svg)).png().toBuffer());

    const readWords = words(text);
    expect(readWords.filter((word) => word === 'pending')).toHaveLength(2);
    expect(readWords.filter((word) => word === 'paid')).toHaveLength(2);
  });

  test('when a sidebar of links sits beside a table, then the sidebar is read whole and then the table row by row', async () => {
    const links = ['Inbox', 'Drafts', 'Archive', 'Contacts', 'Reports', 'Settings'];
    const rows = [
      ['Order', 'Customer', 'City', 'Status'],
      ['4471', 'Harlow Tiles', 'Leeds', 'Shipped'],
      ['4472', 'Brook Kitchens', 'York', 'Waiting'],
      ['4473', 'Amber Glass', 'Derby', 'Cancelled'],
      ['4474', 'Moss Gardens', 'Bath', 'Shipped'],
      ['4475', 'Quill Print', 'Hull', 'Waiting'],
      ['4476', 'Stone Works', 'Ely', 'Shipped'],
    ];
    const columns = [300, 420, 640, 800];
    const table = rows
      .map((row, r) => row.map((cell, c) => `<text x="${columns[c]}" y="${90 + r * 44}">${escapeXml(cell)}</text>`).join(''))
      .join('');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="420"><rect width="100%" height="100%" fill="white"/>
      <g font-family="DejaVu Sans" font-size="17" fill="#333">${links.map((link, i) => `<text x="30" y="${90 + i * 52}">${link}</text>`).join('')}</g>
      <g font-family="DejaVu Sans" font-size="18" fill="#111">${table}</g></svg>`;

    const { text } = await read(await sharp(Buffer.from(svg)).png().toBuffer());

    const readWords = words(text).join(' ');
    expect(readWords).toContain(words(links.join(' ')).join(' '));
    for (const row of rows) expect(readWords).toContain(words(row.join(' ')).join(' '));
  });
});

describe('photos of a page on a desk', () => {
  test('when a sheet lies crooked on a dark desk, then its corners are found, it is mapped flat and its text read', async () => {
    // sharp turns before it extends: the margin goes on first, in its own pass.
    const margined = await sharp(page).flatten({ background: 'white' }).extend({ top: 60, bottom: 60, left: 60, right: 60, background: 'white' }).png().toBuffer();
    const sheet = await sharp(margined).rotate(-9, { background: { r: 70, g: 45, b: 30 } }).png().toBuffer();
    const { width, height } = await sharp(sheet).metadata();
    const desk = await sharp({ create: { width: width! + 300, height: height! + 300, channels: 3, background: { r: 70, g: 45, b: 30 } } })
      .composite([{ input: sheet, left: 150, top: 150 }])
      .jpeg({ quality: 85 })
      .toBuffer();

    const { analysis, prepared, text } = await read(desk, 'image/jpeg');

    expect(prepared.geometry.perspective).toHaveLength(9);
    expect(Math.abs(analysis.skew)).toBeLessThan(1.5);
    expect(words(text)).toEqual(EXPECTED);
  });
});

describe('photos of a page in shadow', () => {
  test('when a shadow darkens the lower end of a sheet on a dark desk, then the sheet is still found whole and mapped flat', async () => {
    const margined = await sharp(page).flatten({ background: 'white' }).extend({ top: 60, bottom: 500, left: 60, right: 60, background: 'white' }).png().toBuffer();
    const { width, height } = await sharp(margined).metadata();
    const [deskWidth, deskHeight] = [width! + 300, height! + 300];
    // The shadow of whoever holds the phone: dark over the lower half of the picture, desk and sheet alike.
    const shadow = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${deskWidth}" height="${deskHeight}">
      <defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0.45" stop-color="white"/><stop offset="0.7" stop-color="rgb(60,60,60)"/></linearGradient></defs>
      <rect width="100%" height="100%" fill="url(#s)"/></svg>`);
    const photo = await sharp({ create: { width: deskWidth, height: deskHeight, channels: 3, background: { r: 40, g: 50, b: 70 } } })
      .composite([{ input: margined, left: 150, top: 150 }, { input: shadow, blend: 'multiply' }])
      .jpeg({ quality: 85 })
      .toBuffer();

    const { prepared, text } = await read(photo, 'image/jpeg');

    // Mapped flat, the sheet keeps its own proportions: its shaded end was not cut off.
    expect(prepared.geometry.perspective).toHaveLength(9);
    expect(prepared.geometry.flatHeight! / prepared.geometry.flatWidth!).toBeCloseTo(height! / width!, 1);
    expect(words(text)).toEqual(EXPECTED);
  });
});

describe('stamps', () => {
  test('when a red rubber stamp lies over the totals, then it is lightened away and the figures under it are read', async () => {
    const lines = ['Subtotal 1,448.60', 'VAT 20% 289.72', 'Total due 1,738.32', 'Payment within fourteen days'];
    const svg = (body: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="520"><rect width="100%" height="100%" fill="white"/>${body}</svg>`;
    const print = await sharp(Buffer.from(svg(`<g font-family="DejaVu Sans" font-size="34">${lines.map((line, i) => `<text x="80" y="${110 + i * 80}">${escapeXml(line)}</text>`).join('')}</g>`))).png().toBuffer();
    const stamp = await sharp(
      Buffer.from(
        svg(`<g transform="rotate(-14 480 230)" fill="none" stroke="#d4545b" stroke-width="9">
          <rect x="260" y="130" width="440" height="190" rx="18"/>
          <text x="300" y="270" font-family="DejaVu Sans" font-weight="bold" font-size="130" fill="#d4545b" stroke="none">PAID</text></g>`),
      ),
    )
      .png()
      .toBuffer();
    // Ink on paper: the stamp darkens what it lies over (multiplies), as a real stamp does.
    const stamped = await sharp(print).composite([{ input: stamp, blend: 'multiply' }]).png().toBuffer();

    const { text } = await read(stamped);

    expect(wordRecall(words(lines.join(' ')), words(text))).toBeGreaterThanOrEqual(0.95);
  });
});

describe('pale stamps', () => {
  test('when the ink of a pale stamp thins at its edges and its frame is worn into pieces, then all of it is lightened away and only the print is read', async () => {
    const lines = ['Subtotal 1,448.60', 'VAT 20% 289.72', 'Total due 1,738.32', 'Payment within fourteen days'];
    const svg = (body: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="520"><rect width="100%" height="100%" fill="white"/>${body}</svg>`;
    const print = await sharp(Buffer.from(svg(`<g font-family="DejaVu Serif" font-size="34">${lines.map((line, i) => `<text x="80" y="${110 + i * 80}">${escapeXml(line)}</text>`).join('')}</g>`))).png().toBuffer();
    // A greyish blue-violet, its frame broken by worn gaps, its strokes soft-edged.
    const stamp = await sharp(
      Buffer.from(
        svg(`<g transform="rotate(-14 480 230)" fill="none" stroke="#7f88b8" stroke-width="9">
          <rect x="260" y="130" width="440" height="190" rx="18" stroke-dasharray="260 40"/>
          <text x="270" y="270" font-family="DejaVu Sans" font-weight="bold" font-size="120" fill="#7f88b8" stroke="none">PAYÉ</text></g>`),
      ),
    )
      .blur(2)
      .png()
      .toBuffer();
    const stamped = await sharp(print).composite([{ input: stamp, blend: 'multiply' }]).png().toBuffer();

    const { text } = await read(stamped);

    expect(words(text)).toEqual(words(lines.join(' ')));
  });
});

describe('punctuation', () => {
  test('when a dash stands alone between words and colons and semicolons are set apart, then the despeckle step keeps them', async () => {
    const lines = ['Tuesday 9 June - Mardi 9 juin', 'Meeting room : Hall B ; entry free', 'Doors open at 9 - talks start at 10'];
    const png = await renderText({ lines, fontSize: 24, width: 900, font: 'DejaVu Serif' });

    const { text } = await read(png);

    expect(text.split('\n').filter((line) => line.trim())).toEqual(lines);
  });
});

describe('ruled tables', () => {
  test('when a table has ruled cells, then the rules are painted out and every cell is read', async () => {
    const rows = [
      ['Region', 'Quarter one', 'Quarter two'],
      ['North', '412.60', '398.00'],
      ['South', '287.10', '301.50'],
      ['Export', '156.90', '148.20'],
    ];
    const x = [60, 400, 760, 1120];
    const y = (row: number) => 160 + row * 70;
    const cells = rows.flatMap((cellsOfRow, r) => cellsOfRow.map((cell, c) => `<text x="${x[c]! + 20}" y="${y(r) + 48}">${escapeXml(cell)}</text>`));
    const lines = [...[0, 1, 2, 3, 4].map((r) => `<line x1="60" y1="${y(r)}" x2="1120" y2="${y(r)}"/>`), ...x.map((xx) => `<line x1="${xx}" y1="90" x2="${xx}" y2="${y(4)}"/>`), '<line x1="400" y1="90" x2="1120" y2="90"/>', '<line x1="60" y1="90" x2="400" y2="90"/>'];
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="520"><rect width="100%" height="100%" fill="white"/>
      <text x="580" y="140" font-family="DejaVu Sans" font-size="30" text-anchor="middle">Sales 2026</text>
      <g stroke="black" stroke-width="3">${lines.join('')}</g>
      <g font-family="DejaVu Sans" font-size="30">${cells.join('')}</g></svg>`;
    const png = await sharp(Buffer.from(svg)).png().toBuffer();

    const { analysis, text } = await read(png);

    expect(analysis.unruled).toBe(true);
    expect(wordRecall(words(['Sales 2026', ...rows.flat()].join(' ')), words(text))).toBe(1);
  });
});

describe('curled pages', () => {
  test('when the text lines bend like a page near a book\'s spine, then they are traced, straightened and read', async () => {
    const tall = await renderText({ lines: [...LINES, ...LINES], fontSize: 30, width: 760, font: 'DejaVu Serif' });
    const { data, info } = await sharp(tall).flatten({ background: 'white' }).greyscale().raw().toBuffer({ resolveWithObject: true });
    const curled = Buffer.alloc(data.length, 255);
    // Each column is lifted by up to 40 px, most in the middle: the page bulges.
    for (let x = 0; x < info.width; x++) {
      const lift = 40 * Math.sin((Math.PI * x) / info.width);
      for (let y = 0; y < info.height; y++) {
        const from = Math.round(y + lift);
        if (from < info.height) curled[y * info.width + x] = data[from * info.width + x]!;
      }
    }
    const png = await sharp(curled, { raw: { width: info.width, height: info.height, channels: 1 } }).png().toBuffer();

    const { prepared, text } = await read(png);

    expect(prepared.geometry.bend?.length).toBeGreaterThanOrEqual(2);
    expect(wordRecall([...EXPECTED, ...EXPECTED], words(text))).toBeGreaterThanOrEqual(0.95);
  });
});

describe('geometry', () => {
  test('when a sheet lies 12 degrees crooked, then the skew is measured and corrected', async () => {
    const crooked = await sharp(page).rotate(12, { background: 'white' }).png().toBuffer();

    const { analysis, text } = await read(crooked);

    expect(analysis.skew).toBeGreaterThan(11);
    expect(analysis.skew).toBeLessThan(13);
    expect(words(text)).toEqual(EXPECTED);
  });

  test('when a sheet lies 35 degrees crooked, then its letters are not taken for drawn boxes and every word is read', async () => {
    const crooked = await sharp(page).rotate(-35, { background: 'white' }).png().toBuffer();

    const { analysis, text } = await read(crooked);

    expect(analysis.unruled).toBe(false);
    expect(words(text)).toEqual(EXPECTED);
  });

  test('when the letters of a blurred photo run together into words, then the lines are still seen to run across and the page is read upright', async () => {
    // Bold type, thickened until its letters touch: each word is one blot of ink, its centre
    // further from the next word's than from the word on the line below.
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1100" height="${120 + LINES.length * 44}"><rect width="100%" height="100%" fill="white"/>
      <g font-family="DejaVu Sans" font-weight="bold" font-size="30" stroke="black" stroke-width="2.5">${LINES.map((line, i) => `<text x="60" y="${90 + i * 44}">${escapeXml(line)}</text>`).join('')}</g></svg>`;
    const blotted = await sharp(Buffer.from(svg)).blur(1.5).png().toBuffer();

    const { analysis, text } = await read(blotted);

    expect(analysis.orientation).toBe(0);
    expect(wordRecall(EXPECTED, words(text))).toBeGreaterThanOrEqual(0.9);
  });

  test('when a 60 pt headline stands above small body text, then the page is scaled for the body text and the headline is read too', async () => {
    const body = ['The small print of this page must stay readable', 'even though a large headline stands above it', 'and takes up most of the ink on the page here.', 'Every line below the title is set in nine point', 'type, as in a newspaper or a printed leaflet.'];
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1800" height="900"><rect width="100%" height="100%" fill="white"/>
      <text x="60" y="230" font-family="DejaVu Sans" font-weight="bold" font-size="250">NEWS</text>
      <g font-family="DejaVu Serif" font-size="38">${body.map((line, i) => `<text x="60" y="${420 + i * 60}">${escapeXml(line)}</text>`).join('')}</g></svg>`;
    const png = await sharp(Buffer.from(svg)).png().toBuffer();

    const { analysis, text } = await read(png);

    expect(analysis.characterPx).toBeLessThan(40);
    expect(wordRecall(words(body.join(' ')), words(text))).toBeGreaterThanOrEqual(0.95);
    expect(words(text)[0]).toBe('news');
  });

  test('when a headline of two tightly set lines stands above body text and footnotes, then both of its lines are read, in their place', async () => {
    const title = ['Weekly energy', 'use in 2026'];
    const body = [
      'Meter readings were taken by the households themselves each month,',
      'and the figures were checked against the suppliers own bills, while',
      'the survey asked about heating, hot water, cooking and appliances.',
      'Drivers found a space within five minutes on most',
      'weekday mornings, while the busiest car parks were',
      'full before nine on market days and in school terms.',
    ];
    const notes = ['1 Readings from smart meters were taken as they were sent.', '2 Figures rounded to the nearest ten kilowatt hours a year.'];
    const lines = (texts: string[], size: number, top: number, step: number) =>
      `<g font-family="DejaVu Serif" font-size="${size}">${texts.map((line, i) => `<text x="150" y="${top + i * step}">${escapeXml(line)}</text>`).join('')}</g>`;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1654" height="2339"><rect width="100%" height="100%" fill="white"/>
      <g font-weight="bold">${lines(title, 111, 280, 122)}</g>${lines(body, 28, 600, 42)}${lines(notes, 22, 900, 30)}</svg>`;
    const png = await sharp(Buffer.from(svg)).png().toBuffer();

    const { text } = await read(png);

    expect(words(text).slice(0, 5)).toEqual(words(title.join(' ')));
    expect(wordRecall(words([...body, ...notes].join(' ')), words(text))).toBeGreaterThanOrEqual(0.95);
  });
  test('when large figures stand side by side between small labels, as on a dashboard, then each figure is read once', async () => {
    const cards = [
      ['Visitors', '18,204'],
      ['Orders', '52,918'],
      ['Conversion', '3.07%'],
      ['Revenue', '94,310'],
    ];
    const text = (x: number, y: number, size: number, content: string, weight = 'normal') =>
      `<text x="${x}" y="${y}" font-family="DejaVu Sans" font-size="${size}" font-weight="${weight}">${escapeXml(content)}</text>`;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1800" height="700"><rect width="100%" height="100%" fill="white"/>
      ${text(60, 80, 30, 'Weekly overview for the shop')}
      ${cards.map(([label, figure], i) => text(60 + i * 420, 200, 24, label!) + text(60 + i * 420, 290, 72, figure!, 'bold') + text(60 + i * 420, 350, 24, 'up on last week')).join('')}
      ${text(60, 520, 24, 'Figures are counted once a day, at midnight.')}
      ${text(60, 560, 24, 'Orders placed by phone are counted with those placed online.')}</svg>`;
    const png = await sharp(Buffer.from(svg)).png().toBuffer();

    const read_ = await read(png);

    expect(read_.analysis.largeTypePx).toBeGreaterThan(0);
    for (const [, figure] of cards) expect(read_.text.split(figure!).length - 1).toBe(1);
  });
});

/**
 * The page prepared, and the prepared page with thin white gaps cut through the letters of
 * one word (as a harsh threshold leaves thin strokes); the plain copy as a mock to count calls.
 */
async function withSpoiledWord(key: string, text: string) {
  const { pipeline } = fixture.deps;
  const prepared = await pipeline.preparePage(key, page, 'image/png', 0);
  const read = await pipeline.recognizePage(prepared.png, { languages: ['eng'] });
  const { x0, y0, x1, y1 } = read.blocks.flatMap((block) => block.lines.flatMap((line) => line.words)).find((word) => word.text === text)!.bbox;
  const { width, height } = await sharp(prepared.png).metadata();
  const gaps = Array.from({ length: 6 }, (_, i) => `<rect x="${x0 + ((i + 0.5) * (x1 - x0)) / 6}" y="${y0}" width="4" height="${y1 - y0}" fill="white"/>`);
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${gaps.join('')}</svg>`);
  const spoiled = await sharp(prepared.png).composite([{ input: svg }]).png().toBuffer();
  const plain = jest.fn(() => pipeline.plainCopy(key, page, 'image/png', 0));
  return { prepared, spoiled, plain };
}

describe('never worse than plain reading', () => {
  test('when the prepared page reads weakly and the page as decoded reads better, then the plain reading is kept and says so', async () => {
    const { pipeline } = fixture.deps;
    const spoiled = await sharp(page).blur(12).png().toBuffer();
    const prepared = await pipeline.preparePage('guard', page, 'image/png', 0);
    const plain = () => pipeline.plainCopy('guard', page, 'image/png', 0);

    const reading = await pipeline.readPage({ png: spoiled, geometry: prepared.geometry }, plain, { languages: ['eng'] });

    expect(reading.reading).toBe('plain');
    expect(words(reading.text)).toEqual(EXPECTED);
    expect(reading.geometry.rotation).toBe(0);
  });

  test('when preparation spoils one word and the page as decoded shows it plainly, then that word is read from the plain copy', async () => {
    const { pipeline } = fixture.deps;
    const { prepared, spoiled, plain } = await withSpoiledWord('opinion', 'delivery');
    const misread = await pipeline.recognizePage(spoiled, { languages: ['eng'] });

    const reading = await pipeline.readPage({ ...prepared, analysis: { ...prepared.analysis, preparation: 'full' }, png: spoiled }, plain, { languages: ['eng'] });

    expect(words(misread.text)).not.toEqual(EXPECTED);
    expect(words(reading.text)).toEqual(EXPECTED);
    expect(reading.reading).toBe('prepared');
    expect(plain).toHaveBeenCalledTimes(1);
  });

  test('when a page the first look found clean has a doubtful word, then the page as decoded is not asked about it', async () => {
    const { pipeline } = fixture.deps;
    const { prepared, spoiled, plain } = await withSpoiledWord('opinion-light', 'delivery');

    const reading = await pipeline.readPage({ ...prepared, png: spoiled }, plain, { languages: ['eng'] });

    expect(prepared.analysis.preparation).toBe('light');
    expect(words(reading.text)).not.toEqual(EXPECTED);
    expect(plain).not.toHaveBeenCalled();
  });

  test('when the prepared page reads well, then the page is not read a second time', async () => {
    const { pipeline } = fixture.deps;
    const prepared = await pipeline.preparePage('guard-good', page, 'image/png', 0);
    const plain = jest.fn(() => pipeline.plainCopy('guard-good', page, 'image/png', 0));

    const reading = await pipeline.readPage(prepared, plain, { languages: ['eng'] });

    expect(reading.reading).toBe('prepared');
    expect(plain).not.toHaveBeenCalled();
  });
});

describe('blank pages and page budgets', () => {
  async function store(bytes: Buffer) {
    const jobId = `uploads-${Math.random().toString(36).slice(2)}`;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const source: UploadSource = { kind: 'upload', key: jobKeys.source({ jobId }, sha256), sha256, bytes: bytes.length, mediaType: 'image/png' };
    await fixture.blobs.put(source.key, bytes);
    return { jobId, source };
  }

  test('when a scanned page is blank (paper tone, grain, two specks), then it is read as empty text without the OCR engine', async () => {
    const width = 1654;
    const height = 2339;
    const pixels = Buffer.alloc(width * height);
    let seed = 7;
    for (let i = 0; i < pixels.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      pixels[i] = 228 + ((seed >>> 16) % 9) - 4;
    }
    for (const [x, y] of [[400, 700], [1200, 1900]] as const) {
      for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) pixels[(y + dy) * width + x + dx] = 30;
    }
    const blank = await sharp(pixels, { raw: { width, height, channels: 1 } }).png().toBuffer();
    const { jobId, source } = await store(blank);
    const engine = jest.spyOn(fixture.pool, 'recognize');
    const env = activityEnvironment();

    const image = await run(env, fixture.activities.preprocessPage, { jobId, source, mediaType: 'image/png', page: 1 });
    const recognized = await run(env, fixture.activities.recognizePage, { jobId, page: 1, image, languages: ['eng'], outputs: ['text', 'json'] });

    expect(image.analysis.blank).toBe(true);
    expect(recognized).toMatchObject({ words: 0, characters: 0 });
    expect(engine).not.toHaveBeenCalled();
    engine.mockRestore();
  });

  test.each([
    ['a 24 pt line', 'Invoice 4711 paid in full', 24],
    ['a 10 pt page number', 'Page 2 of 2', 10],
  ])('when an A4 PDF page holds only %s, then it is read, not taken for blank', async (_name, line, size) => {
    const pdf = await PDFDocument.create();
    const font = await pdf.embedFont(StandardFonts.Helvetica);
    pdf.addPage([595.3, 841.9]).drawText(line, { x: 72, y: 700, size, font });

    const { analysis, text } = await read(Buffer.from(await pdf.save()), 'application/pdf');

    expect(analysis.blank).toBe(false);
    expect(words(text)).toEqual(words(line));
  });

  test('when a page keeps the engine busy past OCR_PAGE_TIMEOUT_MS, then the page fails for good with OCR_TIMEOUT and the engine is freed', async () => {
    const dense = await renderText({ lines: Array.from({ length: 120 }, (_, i) => `Line ${i} of a very dense page that takes the engine a long time`), fontSize: 22, width: 1700 });
    const { jobId, source } = await store(dense);
    const env = activityEnvironment();
    const image = await run(env, fixture.activities.preprocessPage, { jobId, source, mediaType: 'image/png', page: 1 });

    const err = await run(env, fixture.activities.recognizePage, { jobId, page: 1, image, languages: ['eng'], outputs: ['text', 'json'] }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'OCR_TIMEOUT', nonRetryable: true });
    const after = await fixture.pool.recognize(await renderText({ lines: ['Still working'] }), { languages: ['eng'] });
    expect(words(after.text)).toEqual(['still', 'working']);
  });
});
