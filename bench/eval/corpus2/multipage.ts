// Multi-page files: duplex scans whose back page is blank (paper tone, faint noise, a couple
// of specks, or the front showing through), and files mixing scanned, turned and
// born-digital pages or pages of different sizes. A blank page's expected text is empty.
import { PDFDocument, StandardFonts } from 'pdf-lib';
import sharp from 'sharp';
import type { EvalDocument } from '../corpus';
import { FONTS } from './fonts';
import { evalDocument, pagesText, proseSheet } from './pages';
import { addNoise, fromRaster, specks, toRaster, type Raster } from './raster';
import { a4, pt, Sheet } from './sheet';
import { PASSAGES } from './texts';
import { multiPageTiff } from './tiff';

const A4_POINTS: [number, number] = [595.3, 841.9];
/** No creation or modification time in the PDFs, so they are the same bytes on every run. */
const FIXED_PDF = { updateMetadata: false };

/** A scanned sheet: paper a little grey, grain. One channel. */
async function scan(sheet: Sheet, seed: number, { paper = 242, grain = 5 } = {}): Promise<Raster> {
  const page = await toRaster(await sheet.render(), 1);
  const scale = paper / 255;
  for (let i = 0; i < page.data.length; i++) page.data[i] = Math.round(page.data[i]! * scale);
  addNoise(page, grain, seed);
  return page;
}

/** The back of a sheet with nothing printed on it: paper tone, grain, two specks of dust. */
function blankBack(width: number, height: number, seed: number, showThrough?: Raster): Raster {
  const page: Raster = { data: new Uint8Array(width * height).fill(238), width, height, channels: 1 };
  if (showThrough) {
    // The front, mirrored and barely visible through the paper.
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const front = showThrough.data[y * width + (width - 1 - x)]!;
        page.data[y * width + x] = Math.round(238 - ((238 - Math.min(238, front)) * 7) / 238);
      }
    }
  }
  addNoise(page, 3, seed);
  specks(page, 2, seed + 1, { size: 4, value: 60 });
  return page;
}

async function pdfOfImages(pages: Array<{ jpeg: Buffer; size: [number, number] }>): Promise<Buffer> {
  const pdf = await PDFDocument.create(FIXED_PDF);
  for (const { jpeg, size } of pages) {
    const image = await pdf.embedJpg(jpeg);
    pdf.addPage(size).drawImage(image, { x: 0, y: 0, width: size[0], height: size[1] });
  }
  return Buffer.from(await pdf.save());
}

const jpeg = (raster: Raster, quality = 85) => fromRaster(raster).jpeg({ quality }).toBuffer();

async function duplexDocs(): Promise<EvalDocument[]> {
  const front = proseSheet(200, PASSAGES[12]!.slice(1), { heading: PASSAGES[12]![0], family: FONTS.serif });
  const frontScan = await scan(front, 1001);
  const back = blankBack(frontScan.width, frontScan.height, 1002);
  const frontB = proseSheet(200, PASSAGES[10]!.slice(1), { heading: PASSAGES[10]![0], family: FONTS.liberationSans, points: 10.5 });
  const frontBScan = await scan(frontB, 1003, { paper: 236 });
  const backB = blankBack(frontBScan.width, frontBScan.height, 1004);
  const frontC = proseSheet(200, PASSAGES[15]!.slice(1), { heading: PASSAGES[15]![0], family: FONTS.freeSerif, points: 12 });
  const frontCRaster = await toRaster(await frontC.render(), 1);
  const frontCScan = await scan(frontC, 1005);
  const backC = blankBack(frontCScan.width, frontCScan.height, 1006, frontCRaster);
  return [
    evalDocument({
      name: 'duplex-blank-pdf',
      kind: 'duplex-blank',
      split: 'dev',
      description: 'duplex scan as PDF: page 1 text, page 2 blank paper with grain and two specks',
      bytes: await pdfOfImages([
        { jpeg: await jpeg(frontScan), size: A4_POINTS },
        { jpeg: await jpeg(back), size: A4_POINTS },
      ]),
      mediaType: 'application/pdf',
      expected: pagesText([front.expected(), '']),
    }),
    evalDocument({
      name: 'duplex-blank-tiff',
      kind: 'duplex-blank',
      split: 'test',
      description: 'duplex scan as two-page TIFF: page 1 text, page 2 blank paper with grain and two specks',
      bytes: await sharp([await fromRaster(frontBScan).png().toBuffer(), await fromRaster(backB).png().toBuffer()], { join: { animated: true } })
        .withMetadata({ density: 200 })
        .tiff({ compression: 'lzw' })
        .toBuffer(),
      mediaType: 'image/tiff',
      expected: pagesText([frontB.expected(), '']),
    }),
    evalDocument({
      name: 'duplex-showthrough-pdf',
      kind: 'duplex-blank',
      split: 'test',
      description: 'duplex scan as PDF: page 2 blank but for the front showing faintly through, and two specks',
      bytes: await pdfOfImages([
        { jpeg: await jpeg(frontCScan), size: A4_POINTS },
        { jpeg: await jpeg(backC), size: A4_POINTS },
      ]),
      mediaType: 'application/pdf',
      expected: pagesText([frontC.expected(), '']),
    }),
  ];
}

/** Text drawn as real PDF text on an A4 page (born digital). */
function digitalPage(pdf: PDFDocument, font: Awaited<ReturnType<PDFDocument['embedFont']>>, lines: string[], size = 11): string {
  const page = pdf.addPage(A4_POINTS);
  lines.forEach((line, i) => page.drawText(line, { x: 72, y: A4_POINTS[1] - 90 - i * size * 1.5, size, font }));
  return lines.join('\n');
}

/** An A5 sheet, landscape, at `dpi`. */
function a5Landscape(dpi: number): { width: number; height: number } {
  return { width: Math.round(8.27 * dpi), height: Math.round(5.83 * dpi) };
}

async function mixedDocs(): Promise<EvalDocument[]> {
  // PDF 1: a scanned page, a page scanned sideways, a born-digital page.
  const first = proseSheet(200, PASSAGES[4]!.slice(1), { heading: PASSAGES[4]![0], family: FONTS.sans, points: 10.5 });
  const sideways = proseSheet(200, PASSAGES[6]!.slice(1), { heading: PASSAGES[6]![0], family: FONTS.serif });
  const sidewaysScan = await toRaster(fromRaster(await scan(sideways, 1102)).rotate(90), 1);
  const pdfA = await PDFDocument.create(FIXED_PDF);
  const helvetica = await pdfA.embedFont(StandardFonts.Helvetica);
  pdfA.addPage(A4_POINTS).drawImage(await pdfA.embedJpg(await jpeg(await scan(first, 1101))), { x: 0, y: 0, width: A4_POINTS[0], height: A4_POINTS[1] });
  const landscape: [number, number] = [A4_POINTS[1], A4_POINTS[0]];
  pdfA.addPage(landscape).drawImage(await pdfA.embedJpg(await jpeg(sidewaysScan)), { x: 0, y: 0, width: landscape[0], height: landscape[1] });
  const digitalA = digitalPage(pdfA, helvetica, [
    'Appendix B: contact list',
    'Facilities manager: Rhys Tallant, 0117 496 0871',
    'Out-of-hours repairs: 0800 915 2274 (24 hours)',
    'Security desk: extension 100, or 0117 496 0800',
    'Cleaning contractor: BrightSpace Ltd, 0117 496 0355',
    'Last updated on 1 March 2026 by the office manager.',
  ]);

  // PDF 2: a born-digital letter, a scan upside down, an A5 landscape scan slightly askew.
  const pdfB = await PDFDocument.create(FIXED_PDF);
  const times = await pdfB.embedFont(StandardFonts.TimesRoman);
  const digitalB = digitalPage(pdfB, times, PASSAGES[8]!, 12);
  const upsideDown = proseSheet(200, PASSAGES[7]!.slice(1), { heading: PASSAGES[7]![0], family: FONTS.liberationSerif });
  const upsideDownScan = await toRaster(fromRaster(await scan(upsideDown, 1103)).rotate(180), 1);
  pdfB.addPage(A4_POINTS).drawImage(await pdfB.embedJpg(await jpeg(upsideDownScan)), { x: 0, y: 0, width: A4_POINTS[0], height: A4_POINTS[1] });
  const slip = a5Landscape(200);
  const slipSheet = new Sheet(slip.width, slip.height);
  slipSheet.text(pt(50, 200), pt(60, 200), 'Delivery note 30-4471', { family: FONTS.sans, size: pt(14, 200), bold: true });
  slipSheet.block(
    ['Delivered to: Hartley Primary School, Mill Road', '12 boxes of A4 paper, 4 toner cartridges (black)', 'Received in good condition by: T. Osei', 'Date: 6 March 2026, 08:40'],
    pt(50, 200),
    pt(100, 200),
    { family: FONTS.sans, size: pt(11, 200) },
  );
  const slipScan = await toRaster(fromRaster(await scan(slipSheet, 1104)).rotate(2, { background: '#f0f0f0' }), 1);
  const a5Points: [number, number] = [A4_POINTS[0], (A4_POINTS[0] * slipScan.height) / slipScan.width];
  pdfB.addPage(a5Points).drawImage(await pdfB.embedJpg(await jpeg(slipScan)), { x: 0, y: 0, width: a5Points[0], height: a5Points[1] });

  // TIFF: A4 portrait, A5 landscape, a receipt-sized slip, US letter at 150 dpi.
  const tiffPages = [
    proseSheet(200, PASSAGES[2]!.slice(1, 7), { heading: PASSAGES[2]![0], family: FONTS.serif }),
    (() => {
      const size = a5Landscape(200);
      const sheet = new Sheet(size.width, size.height);
      sheet.block(PASSAGES[3]!.slice(1, 6), pt(40, 200), pt(60, 200), { family: FONTS.liberationSans, size: pt(11, 200) });
      return sheet;
    })(),
    (() => {
      const sheet = new Sheet(560, 900);
      sheet.block(['Cloakroom ticket 0457', 'Coat, umbrella', 'Collect before 23:00', 'Lost tickets: ask at the bar'], 30, 80, { family: FONTS.mono, size: 26 }, 44);
      return sheet;
    })(),
    (() => {
      const sheet = new Sheet(Math.round(8.5 * 150), Math.round(11 * 150));
      sheet.block(PASSAGES[5]!.slice(0, 5), pt(72, 150), pt(90, 150), { family: FONTS.freeSerif, size: pt(12, 150) });
      return sheet;
    })(),
  ];
  const tiffRasters: Raster[] = [];
  for (const [i, sheet] of tiffPages.entries()) tiffRasters.push(await scan(sheet, 1110 + i));
  const tiff = multiPageTiff(tiffRasters.map((raster, i) => ({ raster, dpi: i === 3 ? 150 : 200 })));

  return [
    evalDocument({
      name: 'mix-pdf-scan-sideways-digital',
      kind: 'multipage-mix',
      split: 'dev',
      description: 'PDF: a scanned page, a page scanned sideways (landscape), a born-digital page',
      bytes: Buffer.from(await pdfA.save()),
      mediaType: 'application/pdf',
      expected: pagesText([first.expected(), sideways.expected(), digitalA]),
    }),
    evalDocument({
      name: 'mix-pdf-digital-upside-down-a5',
      kind: 'multipage-mix',
      split: 'test',
      description: 'PDF: a born-digital letter, a scan upside down, an A5 landscape delivery note 2° askew',
      bytes: Buffer.from(await pdfB.save()),
      mediaType: 'application/pdf',
      expected: pagesText([digitalB, upsideDown.expected(), slipSheet.expected()]),
    }),
    evalDocument({
      name: 'mix-tiff-page-sizes',
      kind: 'multipage-mix',
      split: 'test',
      description: 'TIFF of four pages of different sizes: A4, A5 landscape, a small ticket, US letter at 150 dpi',
      bytes: tiff,
      mediaType: 'image/tiff',
      expected: pagesText(tiffPages.map((sheet) => sheet.expected())),
    }),
  ];
}

/**
 * Pages that hold almost nothing: a duplex scan whose back holds only a page number among
 * grain and specks, and a born-digital page of one line. Too little ink for a blank-page
 * check that judges by the amount of ink; each must still be read.
 */
async function sparseDocs(): Promise<EvalDocument[]> {
  const front = proseSheet(200, PASSAGES[14]!.slice(1), { heading: PASSAGES[14]![0], family: FONTS.liberationSerif, points: 11 });
  const frontScan = await scan(front, 1201);
  const { width, height } = a4(200);
  const backSheet = new Sheet(width, height).text(width / 2, height - pt(50, 200), 'Page 2 of 2', { family: FONTS.sans, size: pt(10, 200) }, { anchor: 'middle' });
  const backScan = await scan(backSheet, 1202, { paper: 238, grain: 3 });
  specks(backScan, 2, 1203, { size: 4, value: 60 });

  const pdf = await PDFDocument.create(FIXED_PDF);
  const helvetica = await pdf.embedFont(StandardFonts.HelveticaBold);
  const line = 'Received with thanks, 12 March 2026';
  pdf.addPage(A4_POINTS).drawText(line, { x: 72, y: A4_POINTS[1] - 120, size: 24, font: helvetica });
  return [
    evalDocument({
      name: 'sparse-back-page-number-pdf',
      kind: 'sparse-page',
      split: 'test',
      description: 'duplex scan as PDF: page 1 text, page 2 only a 10 pt page number at its foot, with grain and two specks',
      bytes: await pdfOfImages([
        { jpeg: await jpeg(frontScan), size: A4_POINTS },
        { jpeg: await jpeg(backScan), size: A4_POINTS },
      ]),
      mediaType: 'application/pdf',
      expected: pagesText([front.expected(), backSheet.expected()]),
    }),
    evalDocument({
      name: 'sparse-one-line-digital-pdf',
      kind: 'sparse-page',
      split: 'dev',
      description: 'born-digital A4 PDF page holding a single 24 pt line',
      bytes: Buffer.from(await pdf.save()),
      mediaType: 'application/pdf',
      expected: line,
    }),
  ];
}

export async function multiPageDocs(): Promise<EvalDocument[]> {
  return [...(await duplexDocs()), ...(await sparseDocs()), ...(await mixedDocs())];
}
