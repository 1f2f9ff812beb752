import { inkPoints, levelLines } from '../../src/ocr/imaging';

/**
 * A page mask of level text lines, 24 px high every 40 px: vertical strokes 2-4 px wide at
 * irregular places (a fixed pseudo-random sequence), as letters are.
 */
function levelTextMask(width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let top = 100; top + 24 < height - 100; top += 40) {
    for (let x = 150; x < width - 150; x += 3 + Math.floor(next() * 6)) {
      const stroke = 2 + Math.floor(next() * 3);
      for (let y = top; y < top + 24; y++) for (let dx = 0; dx < stroke; dx++) mask[y * width + x + dx] = 1;
    }
  }
  return mask;
}

describe('levelLines on sampled ink', () => {
  test('when a level page has far more ink than the sample holds, then its lines measure level, not the sampling pattern', () => {
    const [width, height] = [1654, 2339];
    const mask = levelTextMask(width, height);
    const points = inkPoints(mask, width, height);

    expect(points.length / 2).toBeLessThanOrEqual(100_000 * 1.05);
    expect(Math.abs(levelLines(points, height))).toBeLessThan(0.5);
  });

  test('when the page holds little ink, then every ink pixel is a point', () => {
    const mask = new Uint8Array(100 * 50);
    mask[5 * 100 + 7] = 1;
    mask[20 * 100 + 90] = 1;

    expect(Array.from(inkPoints(mask, 100, 50))).toEqual([7, 5, 90, 20]);
  });
});
