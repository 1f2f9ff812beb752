// Invoices with a rubber stamp over the totals: a rotated, semi-transparent red, purple or
// blue frame with a word in it, inked unevenly. The stamp is not text to read: the expected
// text is the invoice's alone.
import sharp from 'sharp';
import type { EvalDocument } from '../corpus';
import { escapeXml } from '../../../test/helpers/images';
import { FONTS } from './fonts';
import { invoicePage, type InvoiceText } from './invoice';
import { evalDocument } from './pages';
import { addNoise, fromRaster, toRaster, valueNoise } from './raster';

interface Stamp {
  lines: string[];
  colour: string;
  degrees: number;
  /** Letter height of the stamp's first line, in pixels. */
  size: number;
  /** Overall opacity of the ink. */
  opacity: number;
  seed: number;
}

/** The stamp alone on a transparent layer the size of the page, its ink patchy. */
async function stampLayer(stamp: Stamp, width: number, height: number, at: { x: number; y: number }): Promise<Buffer> {
  const lineHeights = stamp.lines.map((_, i) => (i === 0 ? stamp.size : stamp.size * 0.45));
  const boxHeight = lineHeights.reduce((sum, h) => sum + h * 1.25, 0) + stamp.size * 0.5;
  const boxWidth = stamp.size * Math.max(...stamp.lines.map((line, i) => line.length * (i === 0 ? 0.78 : 0.36))) + stamp.size * 0.8;
  let y = at.y - boxHeight / 2 + stamp.size * 0.25;
  const texts = stamp.lines.map((line, i) => {
    y += lineHeights[i]! * 1.2;
    return `<text x="${at.x}" y="${y.toFixed(1)}" text-anchor="middle" font-family="${FONTS.sans}" font-weight="bold" font-size="${lineHeights[i]!.toFixed(1)}" fill="${stamp.colour}">${escapeXml(line)}</text>`;
  });
  const frame = (inset: number, stroke: number) =>
    `<rect x="${at.x - boxWidth / 2 + inset}" y="${at.y - boxHeight / 2 + inset}" width="${boxWidth - 2 * inset}" height="${boxHeight - 2 * inset}" rx="${stamp.size * 0.15}" fill="none" stroke="${stamp.colour}" stroke-width="${stroke}"/>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <g transform="rotate(${stamp.degrees} ${at.x} ${at.y})">${frame(0, stamp.size * 0.09)}${frame(stamp.size * 0.16, stamp.size * 0.035)}${texts.join('')}</g></svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const patchy = valueNoise(stamp.seed, stamp.size * 0.3);
  const grain = valueNoise(stamp.seed + 1, 3);
  for (let i = 3; i < data.length; i += 4) {
    if (data[i] === 0) continue;
    const p = (i - 3) / 4;
    const x = p % info.width;
    const py = Math.floor(p / info.width);
    const ink = Math.min(1, 0.35 + 0.75 * patchy(x, py)) * (0.75 + 0.25 * grain(x, py));
    data[i] = Math.round(data[i]! * ink * stamp.opacity);
  }
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } }).png().toBuffer();
}

async function stampedInvoice(
  name: string,
  split: EvalDocument['split'],
  languages: string[],
  family: string,
  text: InvoiceText,
  stamp: Stamp,
): Promise<EvalDocument> {
  const dpi = 200;
  const { sheet, totals } = await invoicePage(text, dpi, family);
  const centre = { x: totals.x + totals.width * 0.55, y: totals.y + totals.height * 0.55 };
  const layer = await stampLayer(stamp, sheet.width, sheet.height, centre);
  const stamped = await toRaster((await sheet.render()).composite([{ input: layer, blend: 'multiply' }]));
  addNoise(stamped, 3, stamp.seed + 2);
  return evalDocument({
    name,
    kind: 'stamp',
    split,
    languages,
    description: `invoice with a ${stamp.colour} "${stamp.lines[0]}" stamp over the totals, turned ${stamp.degrees}°`,
    bytes: await fromRaster(stamped).withMetadata({ density: dpi }).png().toBuffer(),
    mediaType: 'image/png',
    expected: sheet.expected(),
  });
}

export async function stampDocs(): Promise<EvalDocument[]> {
  return [
    await stampedInvoice(
      'stamp-paid',
      'dev',
      ['eng'],
      FONTS.sans,
      {
        sender: 'Corrigan & Sons Joinery',
        senderAddress: 'Unit 4, Millbrook Industrial Estate, Leeds LS12 6HQ, VAT GB 318 4402 17',
        recipient: ['Ms Hannah Prescott', '22 Beechwood Avenue', 'Harrogate HG2 0PL'],
        details: ['Invoice no. 2026-0147', 'Date: 12 March 2026', 'Customer no. 40921'],
        header: ['Description', 'Qty', 'Unit price', 'Amount'],
        items: [
          ['Oak staircase handrail, fitted', '1', '685.00', '685.00'],
          ['Spindles, turned ash', '24', '11.40', '273.60'],
          ['Newel post cap', '2', '38.50', '77.00'],
          ['Labour (hours)', '9', '42.00', '378.00'],
          ['Waste disposal', '1', '35.00', '35.00'],
        ],
        totals: [
          ['Subtotal', '1,448.60'],
          ['VAT 20%', '289.72'],
          ['Total due', '1,738.32'],
        ],
        footer: ['Payment within 14 days to Corrigan & Sons, sort code 40-11-62, account 71234408.', 'Thank you for your custom.'],
      },
      { lines: ['PAID'], colour: '#d11f1f', degrees: -14, size: 120, opacity: 0.8, seed: 601 },
    ),
    await stampedInvoice(
      'stamp-bezahlt',
      'test',
      ['deu'],
      FONTS.liberationSans,
      {
        sender: 'Müller & Söhne Elektrotechnik GmbH',
        senderAddress: 'Hauptstraße 112, 70173 Stuttgart, USt-IdNr. DE 287 114 569',
        recipient: ['Herrn Björn Käßmann', 'Am Weißen Steg 3', '71634 Ludwigsburg'],
        details: ['Rechnung Nr. 26-0388', 'Datum: 9. März 2026', 'Kundennummer: 10772'],
        header: ['Leistung', 'Menge', 'Einzelpreis', 'Betrag'],
        items: [
          ['Prüfung der Hausinstallation', '1', '145,00', '145,00'],
          ['Fehlerstromschutzschalter', '2', '48,90', '97,80'],
          ['Steckdosen, Unterputz', '6', '12,35', '74,10'],
          ['Arbeitszeit (Std.)', '4', '62,00', '248,00'],
          ['Anfahrtspauschale', '1', '29,50', '29,50'],
        ],
        totals: [
          ['Zwischensumme', '594,40 €'],
          ['MwSt. 19 %', '112,94 €'],
          ['Gesamtbetrag', '707,34 €'],
        ],
        footer: ['Zahlbar innerhalb von 14 Tagen ohne Abzug.', 'Bankverbindung: IBAN DE12 6005 0101 0004 2871 93'],
      },
      { lines: ['BEZAHLT', '11.03.2026'], colour: '#c4122f', degrees: 9, size: 100, opacity: 0.75, seed: 602 },
    ),
    await stampedInvoice(
      'stamp-received',
      'test',
      ['eng'],
      FONTS.freeSerif,
      {
        sender: 'Blackthorn Print Works',
        senderAddress: '7 Canal Wharf, Bristol BS1 6QA, telephone 0117 496 0552',
        recipient: ['Accounts Department', 'Fenwick Housing Trust', '90 Gloucester Road', 'Bristol BS7 8BN'],
        details: ['Invoice 88213', 'Issued 27 February 2026', 'Purchase order PO-5530'],
        header: ['Item', 'Qty', 'Price', 'Total'],
        items: [
          ['Annual report, 48 pages, A4', '300', '4.85', '1,455.00'],
          ['Tenant newsletter, folded A3', '2,500', '0.21', '525.00'],
          ['Window posters, A2 gloss', '40', '3.10', '124.00'],
          ['Delivery to two sites', '1', '60.00', '60.00'],
        ],
        totals: [
          ['Net', '2,164.00'],
          ['VAT', '432.80'],
          ['Amount payable', '2,596.80'],
        ],
        footer: ['Terms: 30 days net. Please quote the invoice number with your payment.'],
      },
      { lines: ['RECEIVED', '2 MAR 2026', 'ACCOUNTS'], colour: '#6a1b9a', degrees: -6, size: 80, opacity: 0.7, seed: 603 },
    ),
    await stampedInvoice(
      'stamp-paye',
      'dev',
      ['fra'],
      FONTS.serif,
      {
        sender: 'Boulangerie Lefèvre et Fils',
        senderAddress: '14, rue des Tanneurs, 69002 Lyon, SIRET 512 884 097 00019',
        recipient: ['Restaurant Le Petit Pavé', 'À l\'attention de Mme Aurélie Besançon', '3, place Bellecour, 69002 Lyon'],
        details: ['Facture n° F-2026-0214', 'Date : 28 février 2026', 'Échéance : 15 mars 2026'],
        header: ['Désignation', 'Qté', 'Prix unit.', 'Montant'],
        items: [
          ['Baguettes tradition', '420', '1,05', '441,00'],
          ['Pains de campagne (800 g)', '60', '4,20', '252,00'],
          ['Croissants pur beurre', '300', '0,95', '285,00'],
          ['Brioches tressées', '24', '6,80', '163,20'],
        ],
        totals: [
          ['Total HT', '1 141,20 €'],
          ['TVA 5,5 %', '62,77 €'],
          ['Total TTC', '1 203,97 €'],
        ],
        footer: ['Règlement par virement ou par chèque à l\'ordre de Boulangerie Lefèvre.', 'Merci de votre confiance.'],
      },
      { lines: ['PAYÉ'], colour: '#1f4fbf', degrees: 18, size: 130, opacity: 0.65, seed: 604 },
    ),
  ];
}
