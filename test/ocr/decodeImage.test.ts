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
});
