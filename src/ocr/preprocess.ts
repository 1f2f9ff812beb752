import sharp from 'sharp';

export interface PreparedPage {
  png: Buffer;
  width: number;
  height: number;
}

export interface PrepareOptions {
  /** 0-based page (TIFF directory) to take from a multi-page image. */
  pageIndex: number;
  /** Refuse images with more pixels than this (decompression-bomb guard). */
  maxPixels: number;
}

/**
 * Turns one page of an uploaded image into what Tesseract reads best: upright (EXIF
 * orientation applied), grey, and losslessly encoded.
 */
export async function preparePage(image: Buffer, { pageIndex, maxPixels }: PrepareOptions): Promise<PreparedPage> {
  const { data, info } = await sharp(image, { page: pageIndex, limitInputPixels: maxPixels, failOn: 'error' })
    .rotate()
    .greyscale()
    .png({ compressionLevel: 1 })
    .toBuffer({ resolveWithObject: true });
  return { png: data, width: info.width, height: info.height };
}
