// An invoice page in one column: sender, recipient, invoice details, an item table with
// horizontal rules, right-aligned totals and payment terms. Used by the stamp and language
// families. Expected text: top to bottom; an item row or a total is one line, left to right.
import { measure, pt, Sheet, type Font } from './sheet';
import { a4 } from './sheet';

export interface InvoiceText {
  sender: string;
  senderAddress: string;
  recipient: string[];
  details: string[];
  header: [string, string, string, string];
  items: Array<[string, string, string, string]>;
  totals: Array<[string, string]>;
  footer: string[];
}

export interface InvoicePage {
  sheet: Sheet;
  /** Where the totals are, in pixels: a stamp goes over them. */
  totals: { x: number; y: number; width: number; height: number };
}

export async function invoicePage(text: InvoiceText, dpi: number, family: string, points = 10): Promise<InvoicePage> {
  const { width, height } = a4(dpi);
  const sheet = new Sheet(width, height);
  const font: Font = { family, size: pt(points, dpi) };
  const bold: Font = { ...font, bold: true };
  const left = pt(60, dpi);
  const right = pt(535, dpi);
  const line = font.size * 1.5;
  sheet.text(left, pt(70, dpi), text.sender, { ...bold, size: font.size * 1.7 });
  sheet.text(left, pt(70, dpi) + line * 1.2, text.senderAddress, { ...font, size: font.size * 0.85 }, { fill: '#333333' });
  let y = sheet.block(text.recipient, left, pt(150, dpi), font, line);
  y = sheet.block(text.details, left, y + line, font, line);
  // Item table: description left, the three figures right-aligned at their column's edge.
  const edges = [pt(330, dpi), pt(420, dpi), right];
  const rule = (at: number, weight: number) =>
    sheet.shape(`<line x1="${left}" y1="${at}" x2="${right}" y2="${at}" stroke="black" stroke-width="${weight}"/>`);
  const row = async (cells: string[], at: number, cellFont: Font) => {
    sheet.draw(left, at, cells[0]!, cellFont);
    for (let i = 1; i < 4; i++) sheet.draw(edges[i - 1]! - (await measure(cells[i]!, cellFont)), at, cells[i]!, cellFont);
    sheet.read(cells.join(' '));
  };
  y += line * 1.5;
  await row(text.header, y, bold);
  rule(y + font.size * 0.6, 3);
  for (const item of text.items) {
    y += line * 1.3;
    await row(item, y, font);
  }
  rule(y + font.size * 0.6, 2);
  // Totals: label at a fixed x, amount right-aligned.
  const labelX = pt(330, dpi);
  const top = y + line * 0.5;
  for (const [i, [label, amount]] of text.totals.entries()) {
    y += line * 1.3;
    const last = i === text.totals.length - 1;
    const totalFont = last ? bold : font;
    sheet.draw(labelX, y, label, totalFont);
    sheet.draw(right - (await measure(amount, totalFont)), y, amount, totalFont);
    sheet.read(`${label} ${amount}`);
  }
  const totals = { x: labelX, y: top, width: right - labelX, height: y + font.size - top };
  sheet.block(text.footer, left, y + line * 3, { ...font, size: font.size * 0.9 }, line * 0.95);
  return { sheet, totals };
}
