// Pages mixing very different type sizes: a poster-sized headline over small body text, a
// large title with footnotes in 8 pt. Letter-size rules tuned on one size meet the other.
import type { EvalDocument } from '../corpus';
import { FONTS } from './fonts';
import { evalDocument } from './pages';
import { toRaster, addNoise, fromRaster } from './raster';
import { a4, pt, Sheet } from './sheet';
import { FOOTNOTES } from './texts';

interface Mixed {
  name: string;
  split: EvalDocument['split'];
  dpi: number;
  headline: { lines: string[]; family: string; points: number };
  body: { lines: string[]; family: string; points: number };
  footnotes?: { lines: string[]; family: string; points: number };
}

async function mixedPage(spec: Mixed): Promise<EvalDocument> {
  const { dpi } = spec;
  const { width, height } = a4(dpi);
  const sheet = new Sheet(width, height);
  const left = pt(60, dpi);
  const headline = { family: spec.headline.family, size: pt(spec.headline.points, dpi), bold: true };
  let y = pt(60, dpi) + headline.size;
  y = sheet.block(spec.headline.lines, left, y, headline, headline.size * 1.1);
  const body = { family: spec.body.family, size: pt(spec.body.points, dpi) };
  y = sheet.block(spec.body.lines, left, y + body.size, body, body.size * 1.4);
  if (spec.footnotes) {
    const small = { family: spec.footnotes.family, size: pt(spec.footnotes.points, dpi) };
    sheet.shape(`<line x1="${left}" y1="${y}" x2="${left + pt(160, dpi)}" y2="${y}" stroke="black" stroke-width="${Math.max(1, dpi / 150)}"/>`);
    sheet.block(spec.footnotes.lines, left, y + small.size * 1.8, small, small.size * 1.35);
  }
  const page = await toRaster(await sheet.render(), 1);
  addNoise(page, 3, spec.dpi);
  const sizes = [spec.headline.points, spec.body.points, ...(spec.footnotes ? [spec.footnotes.points] : [])].join(' / ');
  return evalDocument({
    name: spec.name,
    kind: 'mixed-sizes',
    split: spec.split,
    description: `type sizes ${sizes} pt on one page, ${dpi} dpi`,
    bytes: await fromRaster(page).withMetadata({ density: dpi }).png().toBuffer(),
    mediaType: 'image/png',
    expected: sheet.expected(),
  });
}

export async function mixedDocs(): Promise<EvalDocument[]> {
  const specs: Mixed[] = [
    {
      name: 'mixed-headline-60',
      split: 'dev',
      dpi: 200,
      headline: { lines: ['Harbour Fair', 'is back in May'], family: FONTS.sansCondensed, points: 60 },
      body: {
        family: FONTS.serif,
        points: 9.5,
        lines: [
          'After a four-year pause the Harbour Fair returns to the quayside from Friday 15 to',
          'Sunday 17 May. More than 120 stalls will line the waterfront, from smoked fish and',
          'local cheese to rope work, pottery and second-hand books. The lifeboat crew will',
          'demonstrate a rescue at 14:00 each day, weather permitting, and the brass band plays',
          'on the slipway on Saturday evening. Entry is free; parking at Ropewalk costs 4.00',
          'for the day. Organisers ask visitors to come by bus where possible: routes 7 and 7A',
          'will run every twenty minutes until 22:30. Stallholders can still apply until 30',
          'April at the harbour office (01736 550 219) or by post to 3 Quay Street.',
        ],
      },
    },
    {
      name: 'mixed-title-40-footnotes',
      split: 'test',
      dpi: 200,
      headline: { lines: ['Household energy', 'use in 2025'], family: FONTS.serif, points: 40 },
      body: {
        family: FONTS.serif,
        points: 10,
        lines: [
          'Average electricity use per household fell to 2,710 kWh, the lowest figure since',
          'records began, while gas use rose slightly after a cold February.1 Homes with heat',
          'pumps used 38% less energy overall than comparable homes heated by gas boilers.2',
          'The share of households with rooftop solar panels reached 9.4%, up from 7.8% a year',
          'earlier; most new installations were on detached houses in the south-west.3',
          'Bills remained high: the typical annual cost was 1,684, of which standing charges',
          'made up almost a fifth.4',
        ],
      },
      footnotes: { lines: FOOTNOTES.slice(0, 4), family: FONTS.serif, points: 8 },
    },
    {
      name: 'mixed-poster-72',
      split: 'test',
      dpi: 150,
      headline: { lines: ['CLOSED', 'Mon 6 April'], family: FONTS.liberationSans, points: 72 },
      body: {
        family: FONTS.liberationSans,
        points: 9,
        lines: [
          'The pharmacy is closed on Easter Monday. Our nearest open branch is at 41 Corn',
          'Street (9:00 to 17:00). For urgent advice outside opening hours call 111 or visit',
          'the walk-in centre at St Bride\'s Hospital. Repeat prescriptions ordered before',
          'Thursday 2 April will be ready for collection on Saturday 4 April from 10:00.',
          'Normal opening hours resume on Tuesday 7 April: 8:30 to 18:30, Saturday 9:00 to 13:00.',
        ],
      },
      footnotes: { lines: [FOOTNOTES[4]!], family: FONTS.liberationSans, points: 8 },
    },
    {
      name: 'mixed-headline-serif-54',
      split: 'dev',
      dpi: 200,
      headline: { lines: ['The quiet return', 'of the river otter'], family: FONTS.freeSerif, points: 54 },
      body: {
        family: FONTS.serifCondensed,
        points: 9,
        lines: [
          'Fifty years ago the otter had all but vanished from lowland rivers, poisoned by',
          'pesticides and driven out by drained wetlands. Surveys this winter found signs of',
          'otters at 412 of the 480 sites checked, against just 27 in the first survey of',
          '1977. Volunteers look for spraint (droppings) on stones and under bridges, and for',
          'five-toed footprints in soft mud. "We still rarely see them," says survey leader',
          'Mairead Coyle, "but they are there, and they are breeding." The biggest threat',
          'today is traffic: at least 190 otters were killed on roads last year.',
        ],
      },
      footnotes: { lines: [FOOTNOTES[3]!], family: FONTS.serifCondensed, points: 8 },
    },
  ];
  const docs: EvalDocument[] = [];
  for (const spec of specs) docs.push(await mixedPage(spec));
  return docs;
}
