// Faxes in standard resolution: 204 dpi across, 98 dpi down, so every pixel is twice as tall
// as it is wide. The page is rendered at 204 dpi, squashed to half its height, thresholded to
// black and white with ragged edges and specks, and stored as CCITT Group 4 TIFF with the
// two resolutions in its tags. A header line at the top names the sender, time and page.
import sharp from 'sharp';
import type { EvalDocument } from '../corpus';
import { FONTS } from './fonts';
import { evalDocument, pagesText } from './pages';
import { addNoise, fromRaster, specks, toRaster } from './raster';
import { pt, Sheet } from './sheet';

const ACROSS_DPI = 204;
const DOWN_DPI = 98;
/** A fax line is 1728 pixels (215 mm) wide; an A4 page is 11.69 inches long. */
const FAX_WIDTH = 1728;
const PAGE_HEIGHT = Math.round(11.69 * ACROSS_DPI);

interface FaxPage {
  header: string;
  lines: string[];
  family: string;
  points: number;
}

/** One page as it arrives: squashed, black and white, speckled. Raw one-channel pixels. */
async function faxPage(page: FaxPage, seed: number): Promise<{ png: Buffer; expected: string }> {
  const sheet = new Sheet(FAX_WIDTH, PAGE_HEIGHT);
  const dpi = ACROSS_DPI;
  sheet.text(pt(20, dpi), pt(22, dpi), page.header, { family: FONTS.mono, size: pt(9, dpi) });
  sheet.block(page.lines, pt(64, dpi), pt(80, dpi), { family: page.family, size: pt(page.points, dpi) });
  const squashed = await toRaster(
    (await sheet.render()).resize({ width: FAX_WIDTH, height: Math.round((PAGE_HEIGHT * DOWN_DPI) / ACROSS_DPI), fit: 'fill' }),
    1,
  );
  // Noise before the threshold makes the edges of strokes ragged, as a fax modem's scan does.
  addNoise(squashed, 28, seed);
  const { data } = squashed;
  for (let i = 0; i < data.length; i++) data[i] = data[i]! < 150 ? 0 : 255;
  specks(squashed, 500, seed + 1, { size: 2, value: 0 });
  specks(squashed, 150, seed + 2, { size: 2, value: 255 });
  return { png: await fromRaster(squashed).png().toBuffer(), expected: sheet.expected() };
}

async function fax(name: string, split: EvalDocument['split'], description: string, pages: FaxPage[], seed: number): Promise<EvalDocument> {
  const rendered: Array<{ png: Buffer; expected: string }> = [];
  for (const [i, page] of pages.entries()) rendered.push(await faxPage(page, seed + i * 10));
  const joined = rendered.length === 1 ? sharp(rendered[0]!.png) : sharp(rendered.map((page) => page.png), { join: { animated: true } });
  const bytes = await joined
    .toColourspace('b-w')
    .tiff({ compression: 'ccittfax4', bitdepth: 1, xres: ACROSS_DPI / 25.4, yres: DOWN_DPI / 25.4 })
    .toBuffer();
  return evalDocument({
    name,
    kind: 'fax',
    split,
    description,
    bytes,
    mediaType: 'image/tiff',
    expected: pagesText(rendered.map((page) => page.expected)),
  });
}

export async function faxDocs(): Promise<EvalDocument[]> {
  return [
    await fax(
      'fax-letter',
      'dev',
      'fax, 204×98 dpi G4 TIFF: a letter, serif 12 pt, sender header line',
      [
        {
          header: 'FROM: PELLHAM SURVEYORS  +44 1632 960118   12/03/2026 09:41   P.1/1',
          family: FONTS.serif,
          points: 12,
          lines: [
            'To: Kerrow Building Supplies, attn. Mr D. Trelawny',
            'Fax: 01632 960 774',
            'Re: order 55-2031, delivery to 9 Chapel Row',
            '',
            'Dear Mr Trelawny,',
            'Further to our call this morning, please change the delivery',
            'date for the above order from Tuesday 17 March to Thursday',
            '19 March, any time after 10:00. The site gate code is 4471.',
            'Please also add 40 bags of lime mortar and 12 lintels',
            '(1,200 mm, concrete) to the order; our account number is',
            'PS-0093. Kindly confirm the new total by return fax.',
            'Regards,',
            'Gwen Pellham',
          ],
        },
      ],
      701,
    ),
    await fax(
      'fax-order-form',
      'test',
      'fax, 204×98 dpi G4 TIFF: an order confirmation, monospaced 10.5 pt, sender header line',
      [
        {
          header: '14-02-2026 16:05   FROM: NORDVIK MARINE PARTS  0044 1632 960 402   PAGE 1 OF 1',
          family: FONTS.liberationMono,
          points: 10.5,
          lines: [
            'ORDER CONFIRMATION 7734-B',
            'Customer: Sandy Cove Boatyard, Pier Road, Fowey',
            'Part no.      Description                     Qty     Price',
            'NV-2210       Bilge pump, 12 V, 2000 l/h       2      148.00',
            'NV-0871       Shackle, stainless, 8 mm        20       63.00',
            'NV-3345       Navigation light, port           1       54.90',
            'NV-3346       Navigation light, starboard      1       54.90',
            'Carriage                                               18.50',
            'TOTAL (excl. VAT)                                     339.30',
            'Dispatch: Monday 16 February by overnight courier.',
            'Questions to Ingrid Solberg, extension 23.',
          ],
        },
      ],
      711,
    ),
    await fax(
      'fax-two-pages',
      'test',
      'fax, 204×98 dpi G4 TIFF, two pages: a report, serif condensed 11 pt',
      [
        {
          header: 'From: St Columba Medical Practice  01632 960 551   03 Mar 2026 11:20   p. 1/2',
          family: FONTS.serifCondensed,
          points: 11,
          lines: [
            'CONFIDENTIAL: for the attention of the duty pharmacist',
            'Patient: Mr Alasdair Fennimore, born 02/11/1948',
            'NHS no. 943 476 5919',
            'Please note the following changes to the repeat prescription:',
            '1. Stop amlodipine 5 mg once daily from today.',
            '2. Start ramipril 2.5 mg once daily, 28 tablets.',
            '3. Continue atorvastatin 20 mg at night.',
            'Blood pressure at review: 148/92. A further check is booked',
            'for 17 March with the practice nurse.',
          ],
        },
        {
          header: 'From: St Columba Medical Practice  01632 960 551   03 Mar 2026 11:20   p. 2/2',
          family: FONTS.serifCondensed,
          points: 11,
          lines: [
            'The patient has been told about possible side effects, in',
            'particular a dry cough and dizziness when standing up.',
            'He prefers to collect on Thursdays; a blister pack is not needed.',
            'If you have any questions, call the practice on the number',
            'above and ask for Dr Imogen Ravensworth.',
            'Signed: I. Ravensworth, GP',
          ],
        },
      ],
      721,
    ),
  ];
}
