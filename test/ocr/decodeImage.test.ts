// Decoding an uploaded image to the grey page the pipeline works on.
import sharp from 'sharp';
import { decodeImage } from '../../src/ocr/decodeImage';

/** A colour page: dark text on a pale tint, in RGB or RGBA. */
async function colourPage(width: number, height: number, alpha: boolean): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="#f4efe2"/>
    <text x="100" y="300" font-family="DejaVu Sans" font-size="120" fill="#1a1a40">Colour page 42</text>
  </svg>`;
  const image = sharp(Buffer.from(svg));
  return (alpha ? image.ensureAlpha() : image.removeAlpha()).png({ compressionLevel: 1 }).toBuffer();
}

describe('decodeImage', () => {
  test.each([
    ['kept decoded (an A4 page at 150 dpi, RGBA)', 1240, 1754, true],
    ['too large to keep decoded (over 64 MB of RGB), decoded from the file for each look', 5000, 4600, false],
  ])('when a colour page is %s, then it becomes the grey page libvips makes of it', async (_name, width, height, alpha) => {
    const png = await colourPage(width, height, alpha);

    const page = await decodeImage(png, 'image/png', 0, 100_000_000);

    const expected = await sharp(png).removeAlpha().greyscale().raw().toBuffer();
    expect([page.width, page.height]).toEqual([width, height]);
    expect(Buffer.compare(Buffer.from(page.data), expected)).toBe(0);
  });

  test.each<[string, 3 | 4, number[] | null]>([
    ['RGBA, every grey level', 4, null],
    ['RGB, every grey level', 3, null],
    ['RGBA, every grey level and one red pixel', 4, [180, 30, 30]],
  ])('when a file in colour channels holds a grey page (%s), then it becomes the grey page libvips makes of it', async (_name, channels, red) => {
    // Each column one of the 256 levels, the rows a little darker as they go down.
    const [width, height] = [256, 40];
    const pixels = Buffer.alloc(width * height * channels);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const p = (y * width + x) * channels;
        pixels.fill(Math.max(0, x - y), p, p + 3);
        if (channels === 4) pixels[p + 3] = 255;
      }
    }
    if (red) pixels.set(red, (10 * width + 10) * channels);
    const png = await sharp(pixels, { raw: { width, height, channels } }).png().toBuffer();

    const page = await decodeImage(png, 'image/png', 0, 100_000_000);

    const expected = await sharp(png).removeAlpha().greyscale().raw().toBuffer();
    expect(Buffer.compare(Buffer.from(page.data), expected)).toBe(0);
  });
});
