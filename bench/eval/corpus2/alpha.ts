// Images whose text is in the alpha channel: PNG exports of UI layers and captions, where the
// colour channels are one flat colour and only the transparency draws the letters.
import sharp from 'sharp';
import type { EvalDocument } from '../corpus';
import { FONTS } from './fonts';
import { evalDocument } from './pages';
import { toRaster, type Rgb } from './raster';
import { Sheet, type Font } from './sheet';
import { PASSAGES } from './texts';

/** UI exports say 72 dpi (what the pixels are, not a print size). */
const UI_DPI = 72;

interface AlphaImage {
  name: string;
  split: EvalDocument['split'];
  description: string;
  width: number;
  lines: string[];
  font: Font;
  /** `black`/`white`: the colour channels are that colour everywhere, alpha is the glyphs. */
  mode: 'black' | 'white' | { text: Rgb; background: Rgb; opacity: number };
}

/** Glyph coverage (0–255) of the lines, white on black, as a single channel. */
async function coverage(spec: AlphaImage): Promise<{ data: Uint8Array; width: number; height: number; expected: string }> {
  const leading = spec.font.size * 1.5;
  const margin = Math.round(spec.font.size * 1.6);
  const height = Math.round(2 * margin + leading * spec.lines.length);
  const sheet = new Sheet(spec.width, height, 'black');
  sheet.block(spec.lines, margin, margin + spec.font.size, spec.font, leading, { fill: 'white' });
  const mask = await toRaster(await sheet.render(), 1);
  return { data: mask.data, width: mask.width, height: mask.height, expected: sheet.expected() };
}

async function alphaImage(spec: AlphaImage): Promise<EvalDocument> {
  const { data: mask, width, height, expected } = await coverage(spec);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < mask.length; i++) {
    const t = mask[i]! / 255;
    const o = i * 4;
    if (spec.mode === 'black' || spec.mode === 'white') {
      rgba.fill(spec.mode === 'black' ? 0 : 255, o, o + 3);
      rgba[o + 3] = mask[i]!;
      continue;
    }
    // Opaque text over a translucent coloured panel: "over" compositing, unpremultiplied.
    const { text, background, opacity } = spec.mode;
    const alpha = t + (1 - t) * opacity;
    for (let c = 0; c < 3; c++) rgba[o + c] = Math.round((t * text[c]! + (1 - t) * opacity * background[c]!) / alpha);
    rgba[o + 3] = Math.round(alpha * 255);
  }
  return evalDocument({
    name: spec.name,
    kind: 'alpha',
    split: spec.split,
    description: spec.description,
    bytes: await sharp(Buffer.from(rgba.buffer), { raw: { width, height, channels: 4 } })
      .withMetadata({ density: UI_DPI })
      .png()
      .toBuffer(),
    mediaType: 'image/png',
    expected,
  });
}

export async function alphaDocs(): Promise<EvalDocument[]> {
  const specs: AlphaImage[] = [
    {
      name: 'alpha-black-instructions',
      split: 'dev',
      description: 'transparent PNG: RGB black everywhere, the glyphs only in alpha (sans 26 px)',
      width: 1180,
      lines: PASSAGES[9]!,
      font: { family: FONTS.sans, size: 26 },
      mode: 'black',
    },
    {
      name: 'alpha-black-recall',
      split: 'test',
      description: 'transparent PNG: RGB black everywhere, the glyphs only in alpha (serif 30 px)',
      width: 1200,
      lines: PASSAGES[11]!,
      font: { family: FONTS.freeSerif, size: 30 },
      mode: 'black',
    },
    {
      name: 'alpha-white-banner',
      split: 'dev',
      description: 'light UI export: RGB white everywhere, white text shape only in alpha (bold sans 28 px)',
      width: 1100,
      lines: [
        'Spring sale ends Sunday at midnight',
        'Up to 40% off garden tools and furniture',
        'Free delivery on orders over 60.00',
        'Use code GREENSHOOT at checkout',
        'Offer excludes gift cards and plants',
      ],
      font: { family: FONTS.liberationSans, size: 28, bold: true },
      mode: 'white',
    },
    {
      name: 'alpha-white-caption',
      split: 'test',
      description: 'light UI export: RGB white everywhere, white text shape only in alpha (condensed 22 px)',
      width: 980,
      lines: [
        'Platform 4: the 10:17 to Bristol Temple Meads',
        'is delayed by approximately 12 minutes.',
        'Calling at Swindon, Chippenham and Bath Spa.',
        'First class is at the front of the train.',
        'Please mind the gap between the train and the platform.',
        'Next departure: 10:46 to Cardiff Central (platform 2).',
      ],
      font: { family: FONTS.sansCondensed, size: 22 },
      mode: 'white',
    },
    {
      name: 'alpha-tinted-panel',
      split: 'test',
      description: 'dark text on a semi-transparent blue panel (35% opaque), transparent PNG',
      width: 1240,
      lines: PASSAGES[13]!.slice(0, 8),
      font: { family: FONTS.sans, size: 24 },
      mode: { text: [17, 24, 39], background: [40, 110, 210], opacity: 0.35 },
    },
    {
      name: 'alpha-tinted-note',
      split: 'dev',
      description: 'dark red text on a semi-transparent yellow sticky note (55% opaque), transparent PNG',
      width: 1000,
      lines: [
        'Reminder for Thursday 5 March:',
        'Call Ingrid about the boiler quote (2,350.00).',
        'Collect the dry cleaning before 6 p.m.',
        'Renew parking permit, ref. PK-77310.',
        'Book the vet for Biscuit, any morning after 9.',
      ],
      font: { family: FONTS.freeSans, size: 30 },
      mode: { text: [120, 20, 20], background: [250, 220, 80], opacity: 0.55 },
    },
  ];
  const docs: EvalDocument[] = [];
  for (const spec of specs) docs.push(await alphaImage(spec));
  return docs;
}
