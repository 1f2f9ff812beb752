import type { PageGeometry } from '../../src/shared/steps';
import { betterOpinion, cutsHoldWords, doubtfulWords, opinions, stackCuts, withWords } from '../../src/ocr/secondOpinion';
import type { OcrLine, OcrWord, PageRecognition } from '../../src/ocr/types';

function word(text: string, confidence: number, x0: number, y0 = 10): OcrWord {
  return { text, confidence, bbox: { x0, y0, x1: x0 + 10 * text.length, y1: y0 + 20 } };
}

function line(words: OcrWord[], text = `${words.map((w) => w.text).join(' ')}\n`): OcrLine {
  const bbox = { x0: words[0]!.bbox.x0, y0: words[0]!.bbox.y0, x1: words.at(-1)!.bbox.x1, y1: words[0]!.bbox.y1 };
  return { text, confidence: 90, bbox, words };
}

function page(lines: OcrLine[], text = lines.map((l) => l.text).join('')): PageRecognition {
  const bbox = { x0: 0, y0: 0, x1: 500, y1: 500 };
  return { text, confidence: 90, blocks: [{ text, confidence: 90, bbox, lines }] };
}

const upright = (width: number, height: number, rotation = 0): PageGeometry => ({
  sourceWidth: width,
  sourceHeight: height,
  rotation,
  turnedWidth: width,
  turnedHeight: height,
  width,
  height,
});

describe('withWords', () => {
  test('when a word is replaced, then the page, its block, its line and the word say the new text, and an earlier word of the same text keeps its own', () => {
    const doubtful = word('1s', 60, 120);
    const first = line([word('1s', 95, 0), word('the', 95, 40)]);
    const second = line([word('this', 95, 0, 40), doubtful], 'this 1s\n');
    const recognition = page([first, second]);

    const changed = withWords(recognition, new Map([[doubtful, word('is', 96, 0)]]));

    expect(changed.text).toBe('1s the\nthis is\n');
    expect(changed.blocks[0]!.text).toBe('1s the\nthis is\n');
    expect(changed.blocks[0]!.lines.map((l) => l.text)).toEqual(['1s the\n', 'this is\n']);
    expect(changed.blocks[0]!.lines[1]!.words[1]).toEqual({ text: 'is', confidence: 96, bbox: doubtful.bbox });
    expect(changed.confidence).toBe(95.25);
  });

  test('when the page text does not hold its words in order, then the reading is kept as it was', () => {
    const doubtful = word('Causewav', 70, 0);
    const recognition = page([line([doubtful, word('bridge', 95, 100)])], 'bridge Causewav\n');

    expect(withWords(recognition, new Map([[doubtful, word('Causeway', 96, 0)]]))).toBe(recognition);
  });
});

describe('betterOpinion', () => {
  test.each([
    { what: 'the same word read surer, one letter apart', read: ['Causewav', 77], opinion: ['Causeway', 90], replaces: true },
    { what: 'two characters apart in five', read: ['266ml', 78], opinion: ['200ml', 83], replaces: true },
    { what: 'two characters apart in four', read: ['1Okg', 60], opinion: ['10 g', 95], replaces: false },
    { what: 'the same word read barely surer', read: ['Causewav', 77], opinion: ['Causeway', 81], replaces: false },
    { what: 'read surer, but still with doubt', read: ['13.07.2026', 0], opinion: ['13.07.2026.', 16], replaces: false },
    { what: 'the same text', read: ['Causewav', 77], opinion: ['Causewav', 99], replaces: false },
    { what: 'the same but for a stray mark dropped', read: ['‘collect', 66], opinion: ['collect', 94], replaces: true },
    { what: 'the same but for a mark added', read: ['11:20', 61], opinion: ['11:20.', 92], replaces: false },
    { what: 'the same but for a mark changed', read: ['55-2031,', 79], opinion: ['55-2031;', 85], replaces: false },
    { what: 'a different word', read: ['Causewav', 77], opinion: ['Cashew', 99], replaces: false },
    { what: 'blank', read: ['Causewav', 77], opinion: ['  ', 99], replaces: false },
  ] as const)('when the second opinion is $what, then it replaces the word: $replaces', ({ read, opinion, replaces }) => {
    expect(betterOpinion(word(read[0], read[1], 0), word(opinion[0], opinion[1], 0))).toBe(replaces);
  });

  test('when there is no second opinion, then the word stays', () => {
    expect(betterOpinion(word('Causewav', 77, 0), null)).toBe(false);
  });
});

describe('doubtfulWords', () => {
  test('when a line has a doubtful word, then it is cut out with the words on either side, and sure words and marks without letters are not', () => {
    const doubtful = word('Causewav', 60, 100);
    const recognition = page([line([word('the', 95, 0), word('long', 95, 40), doubtful, word('bridge', 95, 200), word('—', 20, 270)])]);

    const doubts = doubtfulWords(recognition);

    expect(doubts).toEqual([
      {
        word: doubtful,
        neighbours: [
          { x0: 40, y0: 10, x1: 80, y1: 30 },
          { x0: 200, y0: 10, x1: 260, y1: 30 },
        ],
        stretch: { x0: 40, y0: 10, x1: 260, y1: 30 },
      },
    ]);
  });
});

describe('stackCuts and opinions', () => {
  // The plain copy is half the size of the page that was read.
  const plain = { data: new Uint8Array(400 * 200).fill(0), width: 400, height: 200 };
  const plainGeometry = { ...upright(800, 400), width: 400, height: 200 };
  const first = { word: word('one', 50, 100, 100), neighbours: [], stretch: word('one', 50, 100, 100).bbox };
  const second = { word: word('two', 50, 400, 300), neighbours: [{ x0: 440, y0: 300, x1: 500, y1: 320 }], stretch: { x0: 300, y0: 300, x1: 500, y1: 320 } };

  test('when two words are cut out, then each lies on white in its own rows of the strip, at the size of the plain copy', () => {
    const cuts = stackCuts([first, second], upright(800, 400), plain, plainGeometry);

    expect(cuts.rows).toHaveLength(2);
    const [[top1, bottom1], [top2, bottom2]] = cuts.rows as [[number, number], [number, number]];
    expect(top2).toBeGreaterThan(bottom1);
    const at = (x: number, y: number) => cuts.strip.data[y * cuts.strip.width + x];
    expect(at(0, 0)).toBe(255);
    expect(at(cuts.words[0]!.x0 + 2, (top1 + bottom1) >> 1)).toBe(0);
    expect(at(cuts.words[1]!.x0 + 2, (top2 + bottom2) >> 1)).toBe(0);
    // The second cut holds its stretch (100 px on the plain copy), the word and its neighbour.
    expect(cuts.words[1]!.x1 - cuts.words[1]!.x0).toBe(15);
    expect(cuts.neighbours[1]![0]!.x0 - cuts.words[1]!.x0).toBe(20);
  });

  test('when the strip is read, then each opinion is the word read over the doubtful one, and not one that runs into the word beside it', () => {
    const cuts = stackCuts([first, second], upright(800, 400), plain, plainGeometry);
    const [[top1, bottom1], [top2, bottom2]] = cuts.rows as [[number, number], [number, number]];
    const overSecond = { text: 'two', confidence: 97, bbox: { ...cuts.words[1]!, y0: top2, y1: bottom2 } };
    const elsewhere = { text: 'left', confidence: 97, bbox: { x0: 0, y0: top1, x1: 2, y1: bottom1 } };
    const intoNext = { ...overSecond, text: 'twox', bbox: { ...cuts.words[1]!, x1: cuts.neighbours[1]![0]!.x1 } };

    expect(opinions(page([line([elsewhere]), line([overSecond])]), cuts)).toEqual([null, overSecond]);
    expect(opinions(page([line([intoNext])]), cuts)).toEqual([null, null]);
  });
});

describe('cutsHoldWords', () => {
  test.each([
    [0, true],
    [1.5, true],
    [-1.5, true],
    [358.5, true],
    [12, false],
    [90, false],
    [180, false],
  ])('when the page was turned by %s°, then cuts hold their words: %s', (rotation, holds) => {
    expect(cutsHoldWords(upright(100, 100, rotation))).toBe(holds);
  });
});
