// Pages out of shape: a sheet crooked on the scanner glass (any angle, corners filled with
// the lid's white or grey), and a curled page whose lines bend like a book's near the spine.
import type { EvalDocument } from '../corpus';
import { FONTS } from './fonts';
import { evalDocument, proseSheet } from './pages';
import { addNoise, fromRaster, shade, toRaster, warp } from './raster';
import { PASSAGES } from './texts';

interface Rotated {
  name: string;
  split: EvalDocument['split'];
  lines: string[];
  heading?: string;
  family: string;
  points: number;
  dpi: number;
  degrees: number;
  /** What fills the corners the turned sheet leaves: the scanner lid. */
  lid: string;
  seed: number;
}

async function rotatedPage(spec: Rotated): Promise<EvalDocument> {
  const sheet = proseSheet(spec.dpi, spec.lines, { family: spec.family, points: spec.points, heading: spec.heading });
  const turned = await toRaster((await sheet.render()).rotate(spec.degrees, { background: spec.lid }));
  addNoise(turned, 5, spec.seed);
  return evalDocument({
    name: spec.name,
    kind: 'rotated',
    split: spec.split,
    description: `sheet crooked on the glass, turned ${spec.degrees}° clockwise, ${spec.lid} corners, ${spec.dpi} dpi`,
    bytes: await fromRaster(turned).withMetadata({ density: spec.dpi }).png().toBuffer(),
    mediaType: 'image/png',
    expected: sheet.expected(),
  });
}

interface Curled {
  name: string;
  split: EvalDocument['split'];
  lines: string[];
  heading?: string;
  family: string;
  points: number;
  /** Largest vertical displacement of a line, in pixels (at 200 dpi). */
  bend: number;
  /** Where the page bends: at the spine on the left or right, or bulging in the middle. */
  shape: 'spine-left' | 'spine-right' | 'bulge';
}

async function curledPage(spec: Curled): Promise<EvalDocument> {
  const sheet = proseSheet(200, spec.lines, { family: spec.family, points: spec.points, heading: spec.heading, background: '#fbfaf6' });
  const page = await toRaster(await sheet.render());
  const margin = 40;
  const width = page.width + 2 * margin;
  const height = page.height + 2 * margin + spec.bend;
  // How far toward the bend a column of the page lies, 0..1, and the displacement there.
  const toward = (x: number) => {
    const u = Math.min(1, Math.max(0, x / page.width));
    if (spec.shape === 'spine-left') return (1 - u) ** 2.4;
    if (spec.shape === 'spine-right') return u ** 2.4;
    return Math.sin(Math.PI * u);
  };
  const curled = warp(
    page,
    width,
    height,
    (x, y, out) => {
      const px = x - margin;
      out[0] = px;
      out[1] = y - margin - spec.bend * toward(px);
      return true;
    },
    () => [92, 92, 96],
  );
  // The page darkens where it bends away from the light.
  shade(curled, (x) => 1 - 0.3 * toward(x - margin));
  return evalDocument({
    name: spec.name,
    kind: 'curled',
    split: spec.split,
    description: `curled page (${spec.shape}): lines bend by up to ${spec.bend} px at 200 dpi`,
    bytes: await fromRaster(curled).withMetadata({ density: 200 }).png().toBuffer(),
    mediaType: 'image/png',
    expected: sheet.expected(),
  });
}

export async function geometryDocs(): Promise<EvalDocument[]> {
  const rotated: Array<Omit<Rotated, 'lines' | 'heading'> & { passage: number }> = [
    { name: 'rotated-12', split: 'dev', passage: 8, family: FONTS.serif, points: 11, dpi: 150, degrees: 12, lid: 'white', seed: 301 },
    { name: 'rotated-minus-8', split: 'test', passage: 9, family: FONTS.liberationSans, points: 11, dpi: 200, degrees: -8, lid: '#c8c8c8', seed: 302 },
    { name: 'rotated-20', split: 'test', passage: 10, family: FONTS.freeSerif, points: 12, dpi: 150, degrees: 20, lid: '#d6d6d6', seed: 303 },
    { name: 'rotated-minus-35', split: 'dev', passage: 11, family: FONTS.sans, points: 10, dpi: 170, degrees: -35, lid: 'white', seed: 304 },
    { name: 'rotated-97', split: 'test', passage: 12, family: FONTS.serifCondensed, points: 11, dpi: 150, degrees: 97, lid: '#bdbdbd', seed: 305 },
    { name: 'rotated-263', split: 'dev', passage: 13, family: FONTS.liberationSerif, points: 11, dpi: 150, degrees: 263, lid: 'white', seed: 306 },
  ];
  const curled: Array<Omit<Curled, 'lines' | 'heading'> & { passage: number }> = [
    { name: 'curled-spine-60', split: 'dev', passage: 14, family: FONTS.serif, points: 11, bend: 60, shape: 'spine-left' },
    { name: 'curled-spine-45', split: 'test', passage: 15, family: FONTS.liberationSerif, points: 11, bend: 45, shape: 'spine-right' },
    { name: 'curled-bulge-30', split: 'test', passage: 0, family: FONTS.sans, points: 10, bend: 30, shape: 'bulge' },
    { name: 'curled-mild-20', split: 'dev', passage: 1, family: FONTS.freeSerif, points: 12, bend: 20, shape: 'spine-left' },
  ];
  const withText = <T extends { passage: number }>(spec: T) => {
    const passage = PASSAGES[spec.passage]!;
    // Letters open with their salutation; notices and reports with a title.
    return passage[0]!.startsWith('Dear') ? { ...spec, lines: passage } : { ...spec, heading: passage[0], lines: passage.slice(1) };
  };
  const docs: EvalDocument[] = [];
  for (const spec of rotated) docs.push(await rotatedPage(withText(spec)));
  for (const spec of curled) docs.push(await curledPage(withText(spec)));
  return docs;
}
