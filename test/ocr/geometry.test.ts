// Boxes and page sizes are given on the page as it was submitted, whatever turning and
// scaling the page went through to be read: a box drawn on the submitted page falls on the word.
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { boxAround, toSourceBox } from '../../src/ocr/geometry';
import type { PageGeometry } from '../../src/shared/steps';
import type { UploadSource } from '../../src/shared/schemas';
import { jobKeys } from '../../src/storage/blobStore';
import { activityEnvironment, createOcrFixture, runActivity as run, type OcrFixture } from '../helpers/harness';
import { escapeXml } from '../helpers/images';

let fixture: OcrFixture;
let jobs = 0;

beforeAll(async () => {
  fixture = await createOcrFixture();
});
afterAll(async () => {
  await fixture.close();
});

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

interface Placed {
  text: string;
  x: number;
  baseline: number;
}

/** A white page with the given words drawn in black at their places. */
function drawPage(placed: Placed[], { width, height, size }: { width: number; height: number; size: number }) {
  const text = placed.map(({ text: t, x, baseline }) => `<text x="${x}" y="${baseline}">${escapeXml(t)}</text>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="white"/><g font-family="DejaVu Sans" font-size="${size}" fill="black">${text}</g></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Lines of ordinary text with one marked word among them; the page, and the marked word alone at its place. */
async function pageWithMarkedWord(size: number, turn: (png: Buffer) => Promise<Buffer>) {
  const step = Math.round(size * 1.6);
  const lines = ['Please find the details of', 'the order below and pay', 'within thirty days of receipt'];
  const placed: Placed[] = lines.map((text, i) => ({ text, x: 60, baseline: 60 + size + step * i }));
  const marked: Placed = { text: 'INVOICE', x: 60 + size * 6, baseline: 60 + size + step * lines.length };
  const shape = { width: 60 * 2 + size * 16, height: 120 + step * (lines.length + 1), size };
  return { page: await turn(await drawPage([...placed, marked], shape)), word: await turn(await drawPage([marked], shape)) };
}

/** Where the ink is: the box the test drew, measured on the image as submitted. */
async function inkBox(png: Buffer): Promise<Box> {
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  const box = { x0: info.width, y0: info.height, x1: 0, y1: 0 };
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      if (data[y * info.width + x]! < 128) {
        box.x0 = Math.min(box.x0, x);
        box.y0 = Math.min(box.y0, y);
        box.x1 = Math.max(box.x1, x + 1);
        box.y1 = Math.max(box.y1, y + 1);
      }
    }
  }
  return box;
}

/** Reads `png` through the preprocess and recognize steps; the stored page result. */
async function readPage(png: Buffer) {
  const jobId = `geometry-${++jobs}`;
  const sha256 = createHash('sha256').update(png).digest('hex');
  const source: UploadSource = { kind: 'upload', key: jobKeys.source({ jobId }, sha256), sha256, bytes: png.length, mediaType: 'image/png' };
  await fixture.blobs.put(source.key, png);
  const env = activityEnvironment();
  const image = await run(env, fixture.activities.preprocessPage, { jobId, source, mediaType: 'image/png', page: 1 });
  const page = await run(env, fixture.activities.recognizePage, { jobId, page: 1, image, languages: ['eng'], outputs: ['text', 'json'] });
  const stored = JSON.parse((await fixture.blobs.get(page.resultKey)).toString()) as {
    width: number;
    height: number;
    blocks: Array<{ lines: Array<{ words: Array<{ text: string; bbox: Box }> }> }>;
  };
  const words = stored.blocks.flatMap((block) => block.lines.flatMap((line) => line.words));
  return { stored, image, words };
}

function expectNear(actual: Box, expected: Box, tolerance: number) {
  for (const side of ['x0', 'y0', 'x1', 'y1'] as const) {
    expect(Math.abs(actual[side] - expected[side])).toBeLessThanOrEqual(tolerance);
  }
}

describe('boxes on the submitted page', () => {
  test('when a page with large letters is scaled down to be read, then the word box and page size are those of the page sent', async () => {
    const { page, word } = await pageWithMarkedWord(72, async (png) => png);
    const sent = await sharp(page).metadata();

    const { stored, image, words } = await readPage(page);

    expect(image.analysis.scale).toBeLessThan(0.7);
    expect(stored).toMatchObject({ width: sent.width, height: sent.height });
    const found = words.find((w) => w.text === 'INVOICE');
    expect(found).toBeDefined();
    expectNear(found!.bbox, await inkBox(word), 6);
  });

  test('when a page sent on its side is turned upright to be read, then the word box is on the page as sent', async () => {
    const sideways = (png: Buffer) => sharp(png).rotate(90).png().toBuffer();
    const { page, word } = await pageWithMarkedWord(40, sideways);
    const sent = await sharp(page).metadata();

    const { stored, image, words } = await readPage(page);

    expect(image.analysis.orientation % 180).toBe(90);
    expect(stored).toMatchObject({ width: sent.width, height: sent.height });
    const found = words.find((w) => w.text === 'INVOICE');
    expect(found).toBeDefined();
    expectNear(found!.bbox, await inkBox(word), 6);
  });
});

describe('toSourceBox', () => {
  const geometry = (rotation: number, source: [number, number], turned: [number, number], read: [number, number]): PageGeometry => ({
    sourceWidth: source[0],
    sourceHeight: source[1],
    rotation,
    turnedWidth: turned[0],
    turnedHeight: turned[1],
    width: read[0],
    height: read[1],
  });

  test('when the page was only scaled, then boxes are scaled back', () => {
    expect(toSourceBox({ x0: 10, y0: 20, x1: 30, y1: 40 }, geometry(0, [200, 100], [200, 100], [100, 50]))).toEqual({ x0: 20, y0: 40, x1: 60, y1: 80 });
  });

  test('when the page was turned a quarter clockwise, then a box at the top of the turned page is at the left of the submitted one', () => {
    // A 200 x 100 page turned 90 degrees clockwise is 100 x 200; its top rows were the page's left columns.
    const box = toSourceBox({ x0: 0, y0: 0, x1: 100, y1: 20 }, geometry(90, [200, 100], [100, 200], [100, 200]));

    expect(box).toEqual({ x0: 0, y0: 0, x1: 20, y1: 100 });
  });

  test('when a photographed page was mapped flat, then boxes go back through the homography to where they are on the photo', () => {
    // A flat page of 100 x 50 that lies in the photo 10 px right and 20 px down.
    const flattened: PageGeometry = {
      ...geometry(0, [300, 200], [100, 50], [100, 50]),
      squareWidth: 300,
      squareHeight: 200,
      perspective: [1, 0, 10, 0, 1, 20, 0, 0, 1],
      flatWidth: 100,
      flatHeight: 50,
    };

    expect(toSourceBox({ x0: 0, y0: 0, x1: 50, y1: 25 }, flattened)).toEqual({ x0: 10, y0: 20, x1: 60, y1: 45 });
  });

  test('when a curled page was straightened, then boxes go back up or down by the bend where they were', () => {
    // Two traced lines, each lower by 10 px than straight: everything was 10 px lower on the page sent.
    const straightened: PageGeometry = {
      ...geometry(0, [200, 100], [200, 100], [200, 100]),
      bend: [
        { level: 20, centre: 100, a: 0, b: 0, c: 30 },
        { level: 60, centre: 100, a: 0, b: 0, c: 70 },
      ],
    };

    expect(toSourceBox({ x0: 10, y0: 30, x1: 50, y1: 40 }, straightened)).toEqual({ x0: 10, y0: 40, x1: 50, y1: 50 });
  });
});

describe('boxAround', () => {
  it('is the smallest box holding every box given, wherever each lies', () => {
    const title = { x0: 40, y0: 10, x1: 300, y1: 60 };
    const subtitle = { x0: 20, y0: 70, x1: 200, y1: 90 };
    const footnote = { x0: 60, y0: 400, x1: 120, y1: 412 };

    expect(boxAround([title, subtitle, footnote])).toEqual({ x0: 20, y0: 10, x1: 300, y1: 412 });
    expect(boxAround([footnote])).toEqual(footnote);
  });
});
