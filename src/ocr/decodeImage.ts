// Decoding an image page (everything sharp reads) into the grey page the pipeline works on:
// EXIF orientation applied, transparency flattened onto the right background, and pixels
// made square where the file says they are not (faxes).
import sharp from 'sharp';
import { asDecodeError } from './decodeError';
import type { Grey } from './imaging';
import { tiffResolution } from './tiffResolution';

export interface DecodedImage extends Grey {
  /** The page as submitted (after EXIF orientation), before its pixels were made square. */
  sourceWidth: number;
  sourceHeight: number;
}

/** Pixels whose sides differ by less than this are taken as square. */
const SQUARE_TOLERANCE = 0.1;

export async function decodeImage(bytes: Buffer, mediaType: string, pageIndex: number, maxPixels: number): Promise<DecodedImage> {
  const open = () => sharp(bytes, { page: pageIndex, limitInputPixels: maxPixels, failOn: 'error' });
  try {
    let image = open().rotate();
    const { hasAlpha } = await open().metadata();
    if (hasAlpha) {
      const background = await backgroundForTransparency(open());
      // Alpha the same everywhere says nothing about the page: its colours are the page.
      image = background === null ? image.removeAlpha() : image.flatten({ background });
    }
    const { data, info } = await image.greyscale().raw().toBuffer({ resolveWithObject: true });
    const page: DecodedImage = {
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
      sourceWidth: info.width,
      sourceHeight: info.height,
    };
    return mediaType === 'image/tiff' ? await squarePixels(page, bytes, pageIndex) : page;
  } catch (err) {
    throw asDecodeError(err);
  }
}

/**
 * What a transparent page is laid on. The text is in the opaque pixels (an export or a
 * screenshot whose shapes live in the alpha channel): dark text goes on white, light text on
 * black (and is turned dark on light later, like any light-on-dark page). Null when the
 * alpha channel is the same everywhere.
 */
async function backgroundForTransparency(image: sharp.Sharp): Promise<{ r: number; g: number; b: number } | null> {
  const { data, info } = await image
    .resize({ width: 512, height: 512, fit: 'inside', withoutEnlargement: true })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  let [minAlpha, maxAlpha] = [255, 0];
  for (let i = info.channels - 1; i < data.length; i += info.channels) {
    minAlpha = Math.min(minAlpha, data[i]!);
    maxAlpha = Math.max(maxAlpha, data[i]!);
  }
  if (maxAlpha - minAlpha < 16) return null;
  let luminance = 0;
  let count = 0;
  for (let i = 0; i < data.length; i += info.channels) {
    if (data[i + info.channels - 1]! < maxAlpha * 0.8) continue;
    luminance += info.channels >= 3 ? 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]! : data[i]!;
    count++;
  }
  const lightText = count > 0 && luminance / count >= 128;
  return lightText ? { r: 0, g: 0, b: 0 } : { r: 255, g: 255, b: 255 };
}

/** A page whose declared resolution differs across and down (a 204 x 98 dpi fax), resampled to square pixels. */
async function squarePixels(page: DecodedImage, bytes: Buffer, pageIndex: number): Promise<DecodedImage> {
  const resolution = tiffResolution(bytes, pageIndex);
  if (!resolution || Math.abs(resolution.x / resolution.y - 1) < SQUARE_TOLERANCE) return page;
  // Stretch the coarser direction to the finer one's resolution.
  const width = Math.round(page.width * Math.max(1, resolution.y / resolution.x));
  const height = Math.round(page.height * Math.max(1, resolution.x / resolution.y));
  const { data, info } = await sharp(page.data, { raw: { width: page.width, height: page.height, channels: 1 } })
    .resize({ width, height, fit: 'fill', kernel: 'cubic' })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { ...page, data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}
