// Thermal till receipts: a narrow strip (58 or 80 mm at 200 dpi), monospaced, printed in a
// faded grey that gets fainter down the strip, with a worn print-head column and grain.
// Expected text: line by line; an item and its price on one line, left to right.
import type { EvalDocument } from '../corpus';
import { FONTS } from './fonts';
import { evalDocument } from './pages';
import { addNoise, fromRaster, toRaster } from './raster';
import { Sheet } from './sheet';

/** A dashed rule across the strip: a drawn line, not text to read. */
const RULE = '---';

/** A receipt line: text at the left, an amount flush right, a line centred, or a rule. */
type ReceiptLine = string | [left: string, right: string] | { centre: string };

interface Receipt {
  name: string;
  split: EvalDocument['split'];
  languages?: string[];
  millimetres: 58 | 80;
  family: string;
  /** Font size in pixels at 200 dpi. */
  size: number;
  lines: ReceiptLine[];
  /** Ink darkness at the top and at the bottom of the strip (0 none, 1 black). */
  ink: [top: number, bottom: number];
  jpeg?: number;
  seed: number;
}

async function receipt(spec: Receipt): Promise<EvalDocument> {
  const width = Math.round((spec.millimetres / 25.4) * 200);
  const leading = spec.size * 1.5;
  const margin = Math.round(width * 0.05);
  // Till rolls leave blank paper before the first line and after the last (the tear-off).
  const height = Math.round(leading * (spec.lines.length + 9));
  const sheet = new Sheet(width, height);
  const font = { family: spec.family, size: spec.size };
  spec.lines.forEach((line, i) => {
    const y = leading * (i + 4);
    if (line === RULE) {
      const dash = `${spec.size * 0.45} ${spec.size * 0.15}`;
      sheet.shape(`<line x1="${margin}" y1="${y - spec.size * 0.35}" x2="${width - margin}" y2="${y - spec.size * 0.35}" stroke="black" stroke-width="2" stroke-dasharray="${dash}"/>`);
    } else if (typeof line === 'string') sheet.text(margin, y, line, font);
    else if (Array.isArray(line)) sheet.row(y, [{ x: margin, text: line[0] }, { x: width - margin, text: line[1], anchor: 'end' }], font);
    else sheet.text(width / 2, y, line.centre, font, { anchor: 'middle' });
  });
  const strip = await toRaster((await sheet.render()).blur(0.6), 1);
  // Thermal fading: ink weaker further down, weaker still under a worn spot of the head.
  const worn = { at: width * 0.62, reach: width * 0.05 };
  const { data } = strip;
  for (let y = 0; y < height; y++) {
    const fade = spec.ink[0] + (spec.ink[1] - spec.ink[0]) * (y / height);
    for (let x = 0; x < width; x++) {
      const wear = Math.abs(x - worn.at) < worn.reach ? 0.7 : 1;
      const i = y * width + x;
      const darkness = (255 - data[i]!) * fade * wear;
      data[i] = Math.round(246 - darkness * (246 / 255));
    }
  }
  addNoise(strip, 6, spec.seed);
  const image = fromRaster(strip).withMetadata({ density: 200 });
  return evalDocument({
    name: spec.name,
    kind: 'receipt',
    split: spec.split,
    languages: spec.languages,
    description: `thermal receipt ${spec.millimetres} mm wide at 200 dpi, faded grey (${Math.round(spec.ink[0] * 100)}% to ${Math.round(spec.ink[1] * 100)}% ink)${spec.jpeg ? ', JPEG' : ''}`,
    bytes: spec.jpeg ? await image.jpeg({ quality: spec.jpeg }).toBuffer() : await image.png().toBuffer(),
    mediaType: spec.jpeg ? 'image/jpeg' : 'image/png',
    expected: sheet.expected(),
  });
}

export async function receiptDocs(): Promise<EvalDocument[]> {
  const specs: Receipt[] = [
    {
      name: 'receipt-grocer-58mm',
      split: 'dev',
      millimetres: 58,
      family: FONTS.mono,
      size: 21,
      ink: [0.62, 0.4],
      seed: 801,
      lines: [
        { centre: 'GREENLEAF GROCERS' },
        { centre: '118 High Street, Hexham' },
        { centre: 'Tel 01434 600 218' },
        RULE,
        ['Oat milk 1L', '1.65'],
        ['Sourdough loaf', '3.20'],
        ['Free range eggs x6', '2.45'],
        ['Cheddar 400g', '4.10'],
        ['Apples (0.84 kg)', '1.76'],
        ['Coffee beans 250g', '5.95'],
        ['Bananas (1.12 kg)', '0.98'],
        ['Tinned tomatoes x2', '1.30'],
        ['Basmati rice 1kg', '2.49'],
        ['Dish soap', '1.15'],
        ['Bag for life', '0.30'],
        RULE,
        ['TOTAL', '25.33'],
        ['Card', '25.33'],
        ['Change', '0.00'],
        RULE,
        '08/03/2026 10:47  Till 2',
        'Served by: Marek',
        { centre: 'Thank you, see you soon' },
      ],
    },
    {
      name: 'receipt-cafe-80mm',
      split: 'test',
      millimetres: 80,
      family: FONTS.liberationMono,
      size: 23,
      ink: [0.55, 0.32],
      jpeg: 85,
      seed: 802,
      lines: [
        { centre: 'THE COPPER KETTLE' },
        { centre: 'Cafe & Bakery, 3 Mill Yard' },
        { centre: 'VAT No. 884 1120 57' },
        'Table 7      Covers 3',
        RULE,
        ['2 x Flat white', '6.80'],
        ['1 x Earl Grey, pot', '2.90'],
        ['1 x Cheese scone', '3.25'],
        ['2 x Carrot cake', '7.90'],
        ['1 x Soup of the day', '5.50'],
        ['1 x Toasted teacake', '2.60'],
        ['1 x Orange juice', '2.75'],
        ['1 x Brownie', '3.10'],
        RULE,
        ['Subtotal', '34.80'],
        ['Service (optional) 10%', '3.48'],
        ['TOTAL', '38.28'],
        ['VISA contactless', '38.28'],
        'Auth code 03318B',
        '14/03/2026  12:58  #40271',
        { centre: 'Free wifi: kettle-guest' },
      ],
    },
    {
      name: 'receipt-baumarkt-80mm',
      split: 'test',
      languages: ['deu'],
      millimetres: 80,
      family: FONTS.freeMono,
      size: 24,
      ink: [0.6, 0.35],
      seed: 803,
      lines: [
        { centre: 'Bau- und Gartenmarkt Kühne' },
        { centre: 'Industriestraße 9, 04109 Leipzig' },
        RULE,
        ['Schrauben 4x40 (200 St.)', '6,49'],
        ['Dübel 8 mm (50 St.)', '3,29'],
        ['Wandfarbe weiß 10 l', '39,90'],
        ['Malerrolle 25 cm', '7,95'],
        ['Abdeckfolie 4x5 m', '2,99'],
        ['Blumenerde 40 l', '5,49'],
        RULE,
        ['Summe EUR', '66,11'],
        ['Gegeben EC-Karte', '66,11'],
        ['MwSt. 19 % enthalten', '10,56'],
        '12.03.2026  16:22  Kasse 4',
        'Bon 5521  Es bediente: Frau Öztürk',
        { centre: 'Umtausch nur mit Kassenbon' },
      ],
    },
    {
      name: 'receipt-pharmacy-58mm',
      split: 'dev',
      millimetres: 58,
      family: FONTS.liberationMono,
      size: 19,
      ink: [0.5, 0.28],
      seed: 804,
      lines: [
        { centre: 'ALDER LANE PHARMACY' },
        { centre: '42 Alder Lane, Reading RG1 4QS' },
        RULE,
        ['Paracetamol 500mg x16', '0.89'],
        ['Antihistamine x30', '4.49'],
        ['Sun cream SPF50 200ml', '8.75'],
        ['Plasters, assorted', '2.15'],
        ['Prescription charge', '9.90'],
        RULE,
        ['TOTAL', '26.18'],
        ['CASH', '30.00'],
        ['CHANGE', '3.82'],
        '02/04/2026 17:31 Reg 1 Op 06',
        { centre: 'Ask us about free blood' },
        { centre: 'pressure checks' },
      ],
    },
  ];
  const docs: EvalDocument[] = [];
  for (const spec of specs) docs.push(await receipt(spec));
  return docs;
}
