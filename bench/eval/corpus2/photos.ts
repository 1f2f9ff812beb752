// Phone photos of paper: a page shot in poor light (dark, noisy in colour, vignetted, soft),
// and a page lying on a desk (a trapezoid on a textured ground, with a shadow across it).
import type { EvalDocument } from '../corpus';
import { FONTS } from './fonts';
import { evalDocument, proseSheet } from './pages';
import { addNoise, fromRaster, homography, shade, shadow, toRaster, valueNoise, vignette, warp, type Point, type Rgb } from './raster';
import { PASSAGES } from './texts';

/** What phone cameras write into their JPEGs: 72 dpi, whatever the page's size. */
const CAMERA_DPI = 72;

interface DarkPhoto {
  name: string;
  split: EvalDocument['split'];
  lines: string[];
  heading?: string;
  family: string;
  points: number;
  dpi: number;
  /** Light on the paper at the centre of the frame, as a fraction of full brightness. */
  exposure: number;
  /** Colour cast of the light, per channel. */
  cast: Rgb;
  noise: number;
  /** Light left in the corners, as a fraction of the centre's. */
  corners: number;
  blur: number;
  tilt: number;
  quality: number;
  seed: number;
}

async function darkPhoto(spec: DarkPhoto): Promise<EvalDocument> {
  const sheet = proseSheet(spec.dpi, spec.lines, { family: spec.family, points: spec.points, heading: spec.heading, ink: '#1a1a1a' });
  const raster = await toRaster((await sheet.render()).rotate(spec.tilt, { background: 'white' }).blur(spec.blur));
  const light = vignette(raster.width, raster.height, spec.corners);
  shade(raster, (x, y) => {
    const level = spec.exposure * light(x, y);
    return [level * spec.cast[0], level * spec.cast[1], level * spec.cast[2]];
  });
  addNoise(raster, spec.noise, spec.seed);
  return evalDocument({
    name: spec.name,
    kind: 'dark-photo',
    split: spec.split,
    description: `under-exposed phone photo: paper at ${Math.round(spec.exposure * 100)}% light, colour noise σ ${spec.noise}, vignette, blur ${spec.blur}, JPEG q${spec.quality}`,
    bytes: await fromRaster(raster).withMetadata({ density: CAMERA_DPI }).jpeg({ quality: spec.quality }).toBuffer(),
    mediaType: 'image/jpeg',
    expected: sheet.expected(),
  });
}

interface DeskPhoto {
  name: string;
  split: EvalDocument['split'];
  lines: string[];
  heading?: string;
  family: string;
  points: number;
  /** Size of the photo, pixels. */
  frame: [number, number];
  /** Where the page's corners land in the photo: top left, top right, bottom right, bottom left. */
  corners: [Point, Point, Point, Point];
  desk: 'wood' | 'slate' | 'cloth';
  /** A shadow over the half-plane a·x + b·y > c, and how much light it takes. */
  shadow: { a: number; b: number; c: number; softness: number; depth: number };
  quality: number;
  seed: number;
}

/** A desk top as a colour at each pixel: wood grain, dark slate or a woven cloth. */
function deskTexture(kind: DeskPhoto['desk'], seed: number): (x: number, y: number) => Rgb {
  const coarse = valueNoise(seed, 180);
  const fine = valueNoise(seed + 1, 7);
  if (kind === 'wood') {
    return (x, y) => {
      const ring = 0.5 + 0.5 * Math.sin((y + 60 * coarse(x * 0.3, y)) / 11);
      const v = 0.72 + 0.2 * ring + 0.12 * fine(x * 0.2, y * 3) - 0.06;
      return [128 * v, 84 * v, 52 * v];
    };
  }
  if (kind === 'slate') {
    return (x, y) => {
      const v = 0.8 + 0.25 * coarse(x, y) + 0.15 * fine(x, y);
      return [58 * v, 62 * v, 68 * v];
    };
  }
  return (x, y) => {
    const weave = ((Math.floor(x / 3) + Math.floor(y / 3)) % 2) * 0.08;
    const v = 0.75 + 0.2 * coarse(x, y) + weave + 0.1 * fine(x, y);
    return [54 * v, 74 * v, 96 * v];
  };
}

async function deskPhoto(spec: DeskPhoto): Promise<EvalDocument> {
  const dpi = 200;
  const sheet = proseSheet(dpi, spec.lines, { family: spec.family, points: spec.points, heading: spec.heading, background: '#f7f5ef' });
  const page = await toRaster(await sheet.render());
  const [width, height] = spec.frame;
  const pageCorners: Point[] = [
    [0, 0],
    [page.width, 0],
    [page.width, page.height],
    [0, page.height],
  ];
  const desk = deskTexture(spec.desk, spec.seed);
  const photo = warp(page, width, height, homography(spec.corners, pageCorners), desk);
  const { a, b, c, softness, depth } = spec.shadow;
  const falloff = vignette(width, height, 0.75);
  const shadowOf = shadow(a, b, c, softness, depth);
  shade(photo, (x, y) => 0.92 * falloff(x, y) * shadowOf(x, y));
  const blurred = await toRaster(fromRaster(photo).blur(0.7));
  addNoise(blurred, 4, spec.seed + 2);
  return evalDocument({
    name: spec.name,
    kind: 'desk-photo',
    split: spec.split,
    description: `phone photo of a page lying on a ${spec.desk} desk: perspective trapezoid, shadow, JPEG q${spec.quality}`,
    bytes: await fromRaster(blurred).withMetadata({ density: CAMERA_DPI }).jpeg({ quality: spec.quality }).toBuffer(),
    mediaType: 'image/jpeg',
    expected: sheet.expected(),
  });
}

export async function photoDocs(): Promise<EvalDocument[]> {
  return [
    await darkPhoto({
      name: 'dark-photo-tenancy',
      split: 'dev',
      lines: PASSAGES[0]!,
      family: FONTS.serif,
      points: 11,
      dpi: 150,
      exposure: 0.25,
      cast: [1, 0.93, 0.8],
      noise: 7,
      corners: 0.55,
      blur: 1.1,
      tilt: 0.8,
      quality: 82,
      seed: 101,
    }),
    await darkPhoto({
      name: 'dark-photo-workshop',
      split: 'test',
      lines: PASSAGES[1]!,
      family: FONTS.liberationSans,
      points: 10.5,
      dpi: 170,
      exposure: 0.22,
      cast: [0.9, 0.95, 1],
      noise: 9,
      corners: 0.5,
      blur: 1.4,
      tilt: -1.2,
      quality: 75,
      seed: 102,
    }),
    await darkPhoto({
      name: 'dark-photo-minutes',
      split: 'test',
      lines: PASSAGES[2]!,
      family: FONTS.freeSerif,
      points: 12,
      dpi: 150,
      exposure: 0.28,
      cast: [1, 0.88, 0.72],
      noise: 6,
      corners: 0.6,
      blur: 0.9,
      tilt: 0,
      quality: 88,
      seed: 103,
    }),
    await darkPhoto({
      name: 'dark-photo-fieldtrip',
      split: 'dev',
      lines: PASSAGES[3]!.slice(1),
      heading: PASSAGES[3]![0],
      family: FONTS.sans,
      points: 10,
      dpi: 180,
      exposure: 0.2,
      cast: [1, 1, 1],
      noise: 10,
      corners: 0.45,
      blur: 1.2,
      tilt: 1.6,
      quality: 70,
      seed: 104,
    }),
    await deskPhoto({
      name: 'desk-photo-wood',
      split: 'dev',
      lines: PASSAGES[4]!.slice(1),
      heading: PASSAGES[4]![0],
      family: FONTS.serif,
      points: 12,
      frame: [1500, 2000],
      corners: [
        [250, 200],
        [1270, 240],
        [1420, 1850],
        [90, 1800],
      ],
      desk: 'wood',
      shadow: { a: 0.8, b: 0.6, c: 2000, softness: 160, depth: 0.45 },
      quality: 80,
      seed: 201,
    }),
    await deskPhoto({
      name: 'desk-photo-slate',
      split: 'test',
      lines: PASSAGES[5]!.slice(1),
      heading: PASSAGES[5]![0],
      family: FONTS.liberationSerif,
      points: 12,
      frame: [1600, 2000],
      corners: [
        [180, 260],
        [1380, 170],
        [1500, 1880],
        [130, 1930],
      ],
      desk: 'slate',
      shadow: { a: -0.9, b: 0.44, c: -250, softness: 120, depth: 0.4 },
      quality: 76,
      seed: 202,
    }),
    await deskPhoto({
      name: 'desk-photo-cloth',
      split: 'test',
      lines: PASSAGES[6]!.slice(1),
      heading: PASSAGES[6]![0],
      family: FONTS.sans,
      points: 11,
      frame: [1600, 2100],
      corners: [
        [330, 150],
        [1300, 150],
        [1560, 2000],
        [60, 2000],
      ],
      desk: 'cloth',
      shadow: { a: 0, b: 1, c: 1500, softness: 200, depth: 0.5 },
      quality: 72,
      seed: 203,
    }),
    await deskPhoto({
      name: 'desk-photo-angled',
      split: 'dev',
      lines: PASSAGES[7]!.slice(1),
      heading: PASSAGES[7]![0],
      family: FONTS.freeSans,
      points: 12,
      frame: [1600, 2000],
      corners: [
        [300, 330],
        [1350, 120],
        [1530, 1720],
        [240, 1960],
      ],
      desk: 'wood',
      shadow: { a: 0.95, b: -0.3, c: 1150, softness: 90, depth: 0.35 },
      quality: 78,
      seed: 204,
    }),
  ];
}
