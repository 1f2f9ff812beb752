// A multi-page TIFF whose pages differ in size. sharp writes a multi-page TIFF only from
// frames of one size, so this writes the file itself: 8-bit grey pages, one Deflate strip
// each, with their own resolution.
import { deflateSync } from 'node:zlib';
import type { Raster } from './raster';

export interface TiffPage {
  /** One channel, 8 bits. */
  raster: Raster;
  dpi: number;
}

const SHORT = 3;
const LONG = 4;
const RATIONAL = 5;

export function multiPageTiff(pages: TiffPage[]): Buffer {
  const chunks: Buffer[] = [];
  let offset = 8;
  const push = (chunk: Buffer) => {
    const at = offset;
    chunks.push(chunk);
    offset += chunk.length;
    if (offset % 2) {
      chunks.push(Buffer.alloc(1));
      offset += 1;
    }
    return at;
  };
  const header = Buffer.alloc(8);
  header.write('II', 0, 'latin1');
  header.writeUInt16LE(42, 2);
  const ifdOffsets: number[] = [];
  const ifdPatches: Array<{ ifd: Buffer; nextAt: number }> = [];
  pages.forEach(({ raster, dpi }, index) => {
    if (raster.channels !== 1) throw new Error('multiPageTiff writes grey pages only');
    const strip = push(deflateSync(Buffer.from(raster.data.buffer, raster.data.byteOffset, raster.data.length)));
    const stripLength = offset - strip;
    const resolution = Buffer.alloc(8);
    resolution.writeUInt32LE(Math.round(dpi * 100), 0);
    resolution.writeUInt32LE(100, 4);
    const resolutionAt = push(resolution);
    const entries: Array<[tag: number, type: number, count: number, value: number]> = [
      [254, LONG, 1, 2],
      [256, LONG, 1, raster.width],
      [257, LONG, 1, raster.height],
      [258, SHORT, 1, 8],
      [259, SHORT, 1, 8],
      [262, SHORT, 1, 1],
      [273, LONG, 1, strip],
      [277, SHORT, 1, 1],
      [278, LONG, 1, raster.height],
      [279, LONG, 1, stripLength],
      [282, RATIONAL, 1, resolutionAt],
      [283, RATIONAL, 1, resolutionAt],
      [296, SHORT, 1, 2],
      [297, SHORT, 2, index | (pages.length << 16)],
    ];
    const ifd = Buffer.alloc(2 + entries.length * 12 + 4);
    ifd.writeUInt16LE(entries.length, 0);
    entries.forEach(([tag, type, count, value], i) => {
      const at = 2 + i * 12;
      ifd.writeUInt16LE(tag, at);
      ifd.writeUInt16LE(type, at + 2);
      ifd.writeUInt32LE(count, at + 4);
      if (type === SHORT && count === 1) ifd.writeUInt16LE(value, at + 8);
      else ifd.writeUInt32LE(value >>> 0, at + 8);
    });
    ifdOffsets.push(push(ifd));
    ifdPatches.push({ ifd, nextAt: ifd.length - 4 });
  });
  header.writeUInt32LE(ifdOffsets[0]!, 4);
  ifdPatches.forEach(({ ifd, nextAt }, i) => ifd.writeUInt32LE(ifdOffsets[i + 1] ?? 0, nextAt));
  return Buffer.concat([header, ...chunks]);
}
