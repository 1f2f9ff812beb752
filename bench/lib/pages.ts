// The throughput corpus: A4 pages at 200 and 300 dpi of ordinary office text, with the text
// each holds, rendered the same way on every run.
import sharp from 'sharp';
import { escapeXml } from '../../test/helpers/images';
import { COLUMN_LEFT, COLUMN_RIGHT, PROSE, PROSE_B, SHORT, TABLE } from '../eval/texts';

export interface BenchPage {
  name: string;
  png: Buffer;
  text: string;
  dpi: number;
}

const SENTENCES = [...PROSE, ...PROSE_B, ...COLUMN_LEFT.map((line, i) => `${line} ${COLUMN_RIGHT[i]}`), ...SHORT];

/** A page of `lines` lines of text, starting at a different sentence for every page. */
async function page(index: number, dpi: number): Promise<BenchPage> {
  const width = Math.round(8.27 * dpi);
  const height = Math.round(11.69 * dpi);
  const px = (pt: number) => (pt * dpi) / 72;
  const fontPt = [10, 11, 12][index % 3]!;
  const font = index % 2 ? 'DejaVu Sans' : 'DejaVu Serif';
  const leading = fontPt * 1.45;
  const count = Math.floor((11.69 * 72 - 150) / leading);
  const lines: string[] = [];
  if (index % 5 === 4) {
    for (const row of TABLE) lines.push(row.join('    '));
  }
  for (let i = 0; lines.length < count; i++) lines.push(SENTENCES[(index * 7 + i) % SENTENCES.length]!);
  const text = lines
    .map((line, i) => `<text x="${px(60)}" y="${px(80 + i * leading)}">${escapeXml(line)}</text>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="white"/>
    <g font-family="${font}" font-size="${px(fontPt)}" fill="black" xml:space="preserve">${text}</g></svg>`;
  const png = await sharp(Buffer.from(svg)).greyscale().png().withMetadata({ density: dpi }).toBuffer();
  return { name: `page-${String(index + 1).padStart(2, '0')}`, png, text: lines.join('\n'), dpi };
}

/** `count` pages, alternating 200 and 300 dpi, fonts and sizes; every fifth holds a table. */
export async function benchPages(count = 40): Promise<BenchPage[]> {
  const pages: BenchPage[] = [];
  for (let i = 0; i < count; i++) pages.push(await page(i, i % 2 ? 300 : 200));
  return pages;
}
