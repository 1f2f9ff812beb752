import { PDFDocument, StandardFonts } from 'pdf-lib';
import sharp from 'sharp';

export interface PageSpec {
  lines: string[];
  fontSize?: number;
  width?: number;
  margin?: number;
  lineHeight?: number;
  font?: string;
}

export const escapeXml = (text: string) =>
  text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

/** Renders lines of black text on a white page, as a PNG. Tests OCR what they draw. */
export async function renderText({
  lines,
  fontSize = 32,
  width = 1200,
  margin = 60,
  lineHeight = 1.6,
  font = 'DejaVu Sans',
}: PageSpec): Promise<Buffer> {
  const step = Math.round(fontSize * lineHeight);
  const height = margin * 2 + step * lines.length;
  const text = lines
    .map((line, i) => `<text x="${margin}" y="${margin + step * i + fontSize}">${escapeXml(line)}</text>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="white"/>
    <g font-family="${font}" font-size="${fontSize}" fill="black">${text}</g></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Lower-cased words, for comparing OCR output without caring about layout. */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** Share of the expected words found, in order-free counting (1 is every word). */
export function wordRecall(expected: string[], actual: string[]): number {
  const left = new Map<string, number>();
  for (const word of actual) left.set(word, (left.get(word) ?? 0) + 1);
  let found = 0;
  for (const word of expected) {
    const n = left.get(word) ?? 0;
    if (n > 0) {
      found += 1;
      left.set(word, n - 1);
    }
  }
  return expected.length ? found / expected.length : 1;
}

/** A TIFF with one rendered line per page (a PNG for a single line). */
export async function multiPageTiff(lines: string[]): Promise<Buffer> {
  const pages = await Promise.all(lines.map((line) => renderText({ lines: [line] })));
  if (pages.length === 1) return pages[0]!;
  return sharp(pages, { join: { animated: true } }).tiff().toBuffer();
}

/** A PDF of `count` small pages with a word or two each ("Page N"): quick to render and read. */
export async function quickPagesPdf(count: number): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (let page = 1; page <= count; page += 1) pdf.addPage([200, 60]).drawText(`Page ${page}`, { x: 20, y: 22, size: 18, font });
  return Buffer.from(await pdf.save());
}
