// The large-type step's second reading finds headlines the first reading lost or half read;
// withLargeLines takes them into the page's text, in their place from the top.
import { boxAround } from '../../src/ocr/geometry';
import { withLargeLines } from '../../src/ocr/largeType';
import type { OcrLine, PageRecognition } from '../../src/ocr/types';

/** A line of words 10 px a letter wide from x = 20, `height` px high from `y0`. */
function line(text: string, y0: number, confidence: number, height = 20): OcrLine {
  let x = 20;
  const words = text.split(' ').map((word) => {
    const bbox = { x0: x, y0, x1: x + 10 * word.length, y1: y0 + height };
    x = bbox.x1 + 10;
    return { text: word, confidence, bbox };
  });
  return { text, confidence, bbox: { x0: 20, y0, x1: words.at(-1)!.bbox.x1, y1: y0 + height }, words };
}

function page(lines: OcrLine[]): PageRecognition {
  const text = `${lines.map((l) => l.text).join('\n')}\n`;
  return { text, confidence: 90, blocks: [{ text, confidence: 90, bbox: boxAround(lines.map((l) => l.bbox)), lines }] };
}

const body = line('Most homes use less power in summer', 300, 92);
const footnote = line('Figures from the 2025 survey', 700, 90);

describe('withLargeLines', () => {
  test('when a headline was lost, then it is put in above the first line below it, as a block of its own', () => {
    const headline = line('Weekly energy', 100, 88, 80);

    const read = withLargeLines(page([body, footnote]), [{ line: headline, sparse: false }]);

    expect(read.text).toBe('Weekly energy\nMost homes use less power in summer\nFigures from the 2025 survey\n');
    expect(read.blocks.map((block) => block.lines)).toEqual([[headline], [body, footnote]]);
    expect(read.blocks[0]!.bbox).toEqual(headline.bbox);
  });

  test('when two headline lines are put in, then the one above goes first, though its descenders reach into the one below', () => {
    const second = line('use in 2026', 175, 90, 80);
    const first = line('Weekly energy', 100, 88, 85);

    const read = withLargeLines(page([body]), [
      { line: second, sparse: false },
      { line: first, sparse: false },
    ]);

    expect(read.text).toBe('Weekly energy\nuse in 2026\nMost homes use less power in summer\n');
  });

  test('when the first reading half read the headline, then the large line replaces it; when it read it surely, then nothing changes', () => {
    const halfRead = line('Wcekly encrgy', 110, 40, 60);
    const headline = line('Weekly energy', 100, 88, 80);
    const surelyRead = { ...halfRead, text: 'Weekly energy', confidence: 95 };

    const replaced = withLargeLines(page([halfRead, body]), [{ line: headline, sparse: false }]);
    const ours = page([surelyRead, body]);

    expect(replaced.text).toBe('Weekly energy\nMost homes use less power in summer\n');
    expect(replaced.blocks.flatMap((block) => block.lines)).toEqual([headline, body]);
    expect(withLargeLines(ours, [{ line: headline, sparse: false }])).toBe(ours);
  });

  test('when a sparse reading finds a line over words the first reading read, then it is left out; where nothing was read, it is put in', () => {
    // Small print taken together as one tall line: it lies over the body's words.
    const overPrint = line('Most homes use', 290, 85, 60);
    const overEmpty = line('Total 42 kWh', 450, 85, 70);

    const read = withLargeLines(page([body, footnote]), [
      { line: overPrint, sparse: true },
      { line: overEmpty, sparse: true },
    ]);

    expect(read.text).toBe('Most homes use less power in summer\nTotal 42 kWh\nFigures from the 2025 survey\n');
    // The same line from a block reading is put in: that reading does not make lines of small print.
    expect(withLargeLines(page([body]), [{ line: overPrint, sparse: false }]).text).toBe('Most homes use less power in summer\nMost homes use\n');
  });
});
