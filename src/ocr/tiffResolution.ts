// The horizontal and vertical resolution a TIFF page declares. Faxes are 204 x 98 dpi
// (pixels twice as tall as wide); sharp reports a single density, so the tags are read here.

export interface Resolution {
  x: number;
  y: number;
}

const X_RESOLUTION = 282;
const Y_RESOLUTION = 283;
const RATIONAL = 5;
/** Pages walked at most: a cycle in the chain of directories must not loop for ever. */
const MAX_PAGES = 100_000;

/** The resolution page `pageIndex` declares, or null when it declares none (or the file is not a TIFF). */
export function tiffResolution(bytes: Buffer, pageIndex: number): Resolution | null {
  if (bytes.length < 8) return null;
  const little = bytes.toString('latin1', 0, 2) === 'II';
  if (!little && bytes.toString('latin1', 0, 2) !== 'MM') return null;
  const u16 = (at: number) => (little ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
  const u32 = (at: number) => (little ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
  try {
    let ifd = u32(4);
    for (let page = 0; page < pageIndex && page < MAX_PAGES; page++) {
      if (ifd === 0) return null;
      ifd = u32(ifd + 2 + 12 * u16(ifd));
    }
    if (ifd === 0) return null;
    const rational = (tag: number): number | null => {
      for (let entry = 0, count = u16(ifd); entry < count; entry++) {
        const at = ifd + 2 + 12 * entry;
        if (u16(at) !== tag || u16(at + 2) !== RATIONAL) continue;
        const value = u32(at + 8);
        const denominator = u32(value + 4);
        return denominator ? u32(value) / denominator : null;
      }
      return null;
    };
    const x = rational(X_RESOLUTION);
    const y = rational(Y_RESOLUTION);
    return x && y ? { x, y } : null;
  } catch {
    // Offsets beyond the file: a damaged header; the decoder will say what is wrong.
    return null;
  }
}
