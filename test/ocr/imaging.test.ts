import { components, inkPoints, levelLines, ruledLines } from '../../src/ocr/imaging';

/**
 * A page mask of level text lines, 24 px high every 40 px: vertical strokes 2-4 px wide at
 * irregular places (a fixed pseudo-random sequence), as letters are.
 */
function levelTextMask(width: number, height: number, slope = 0): Uint8Array {
  const mask = new Uint8Array(width * height);
  // Lines falling to the right by `slope` degrees: each column drawn that much lower.
  const drop = Math.tan((slope * Math.PI) / 180);
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let top = 100; top + 24 < height - 100; top += 40) {
    for (let x = 150; x < width - 150; x += 3 + Math.floor(next() * 6)) {
      const stroke = 2 + Math.floor(next() * 3);
      for (let dx = 0; dx < stroke; dx++) {
        const shift = Math.round((x + dx) * drop);
        for (let y = top + shift; y < top + shift + 24; y++) if (y >= 0 && y < height) mask[y * width + x + dx] = 1;
      }
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

  test.each([
    [3.27, 'many points (the half-degree search on a sample)', 100_000],
    [-12.4, 'many points (the half-degree search on a sample)', 100_000],
    [0.8, 'many points (the half-degree search on a sample)', 100_000],
    [3.27, 'few points (every one searched)', 20_000],
    [-12.4, 'few points (every one searched)', 20_000],
  ])('when a page of lines at %s degrees gives %s, then the slope found is that slope', (slope, _name, maxPoints) => {
    const [width, height] = [1654, 2339];
    const points = inkPoints(levelTextMask(width, height, slope), width, height, maxPoints);

    expect(levelLines(points, height)).toBeCloseTo(slope, 1);
  });

  test('when the page holds little ink, then every ink pixel is a point', () => {
    const mask = new Uint8Array(100 * 50);
    mask[5 * 100 + 7] = 1;
    mask[20 * 100 + 90] = 1;

    expect(Array.from(inkPoints(mask, 100, 50))).toEqual([7, 5, 90, 20]);
  });
});

describe('components', () => {
  /** 8-connected components by flood fill from each unlabelled ink pixel, in reading order. */
  function floodFill(mask: Uint8Array, width: number, height: number) {
    const labels = new Int32Array(width * height);
    const list: Array<{ x0: number; y0: number; x1: number; y1: number; area: number }> = [];
    for (let start = 0; start < mask.length; start++) {
      if (!mask[start] || labels[start]) continue;
      const label = list.length + 1;
      const box = { x0: width, y0: height, x1: -1, y1: -1, area: 0 };
      const stack = [start];
      labels[start] = label;
      while (stack.length) {
        const i = stack.pop()!;
        const [x, y] = [i % width, Math.floor(i / width)];
        Object.assign(box, { x0: Math.min(box.x0, x), y0: Math.min(box.y0, y), x1: Math.max(box.x1, x), y1: Math.max(box.y1, y), area: box.area + 1 });
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const [nx, ny] = [x + dx, y + dy];
            const j = ny * width + nx;
            if (nx < 0 || ny < 0 || nx >= width || ny >= height || !mask[j] || labels[j]) continue;
            labels[j] = label;
            stack.push(j);
          }
        }
      }
      list.push(box);
    }
    return { labels, list };
  }

  test.each([0.3, 0.5, 0.62, 0.8])('when a random mask of density %s is labelled, then its components are those a flood fill finds, numbered in reading order', (density) => {
    const [width, height] = [157, 113];
    let seed = Math.round(density * 1000);
    const mask = Uint8Array.from({ length: width * height }, () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 16) / 65536 < density ? 1 : 0;
    });

    const found = components(mask, width, height);

    const expected = floodFill(mask, width, height);
    expect(found.list).toEqual(expected.list);
    expect(Array.from(found.labels)).toEqual(Array.from(expected.labels));
  });
});

describe('ruledLines', () => {
  /** The length of the run of ink through pixel i, along `step` (1: across, width: down). */
  function run(mask: Uint8Array, width: number, i: number, across: boolean): number {
    const [x, y, height] = [i % width, Math.floor(i / width), mask.length / width];
    const at = (k: number) => (across ? mask[y * width + k] : mask[k * width + x]);
    const [along, end] = across ? [x, width] : [y, height];
    let [from, to] = [along, along];
    while (from > 0 && at(from - 1)) from--;
    while (to < end - 1 && at(to + 1)) to++;
    return to - from + 1;
  }

  test('when a mask holds rules across and down among strokes, then the pixels of long thin runs are found, and only they', () => {
    const [width, height] = [120, 90];
    let seed = 7;
    const mask = Uint8Array.from({ length: width * height }, () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 16) / 65536 < 0.25 ? 1 : 0;
    });
    for (let x = 10; x < 100; x++) mask[40 * width + x] = 1;
    for (let y = 5; y < 80; y++) mask[y * width + 60] = mask[y * width + 61] = 1;

    const rules = ruledLines(mask, width, height, 30, 3);

    const expected = Array.from(mask, (ink, i) => {
      if (!ink) return 0;
      const [across, down] = [run(mask, width, i, true), run(mask, width, i, false)];
      return (across >= 30 && down <= 3) || (down >= 30 && across <= 3) ? 1 : 0;
    });
    expect(expected.filter(Boolean).length).toBeGreaterThan(100);
    expect(Array.from(rules!)).toEqual(expected);
  });
});
