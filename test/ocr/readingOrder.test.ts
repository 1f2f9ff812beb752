// Reading order from the word boxes the engine gives back: the boxes below are what it
// returned for an invoice's last table rows and totals with a round rubber stamp over the
// amounts (the stamp's ring read as tall, unsure marks).
import { readingOrder } from '../../src/ocr/readingOrder';
import type { OcrBlock, OcrWord } from '../../src/ocr/types';

/** [x0, y0, x1, y1, confidence, text] as the engine gave them. */
type Seen = [number, number, number, number, number, string];

const stampedTotals: Seen[] = [
  [168, 913, 314, 934, 91, 'Croissants'], [325, 918, 373, 939, 96, 'pur'], [383, 912, 476, 934, 95, 'beurre'],
  [869, 912, 918, 934, 96, '300'], [1108, 912, 1167, 952, 90, '0,95'], [1392, 912, 1486, 937, 96, '285,00'],
  [168, 966, 289, 988, 92, 'Brioches'], [300, 965, 414, 988, 92, 'tressées'], [884, 967, 917, 988, 96, '24'],
  [1108, 967, 1167, 991, 94, '6,80'], [1395, 967, 1488, 991, 95, '163,20'],
  [917, 1020, 987, 1043, 96, 'Total'], [997, 1021, 1038, 1042, 97, 'HT'],
  [1325, 1009, 1460, 1052, 0, '“1144,20'], [1471, 1021, 1486, 1042, 96, '€'],
  [976, 1053, 983, 1058, 24, '4'], [1397, 1056, 1440, 1073, 50, '—'], [1374, 1055, 1506, 1151, 42, '=)'],
  [917, 1075, 974, 1097, 90, 'TVA'], [984, 1075, 1025, 1099, 90, '5,5'], [1037, 1075, 1061, 1096, 90, '%'],
  [917, 1129, 999, 1151, 80, 'Total'], [1012, 1111, 1075, 1165, 80, 'TTC'], [1357, 1122, 1471, 1202, 12, 'nm'],
  [1329, 1129, 1343, 1150, 96, '1'], [1346, 1182, 1476, 1282, 0, 'y'],
  [168, 1255, 304, 1281, 96, 'Règlement'], [312, 1261, 355, 1280, 96, 'par'], [362, 1256, 476, 1276, 96, 'virement'],
  [485, 1261, 514, 1276, 96, 'ou'], [524, 1261, 566, 1280, 96, 'par'], [575, 1255, 665, 1280, 96, 'chèque'],
  [668, 1251, 680, 1285, 96, 'à'], [697, 1256, 780, 1276, 95, "l'ordre"], [790, 1256, 819, 1276, 95, 'de'],
  [829, 1256, 981, 1281, 95, 'Boulangerie'], [991, 1255, 1092, 1276, 96, 'Lefèvre.'],
  [168, 1296, 241, 1315, 96, 'Merci'], [250, 1295, 279, 1315, 96, 'de'], [287, 1297, 353, 1315, 96, 'votre'],
  [363, 1301, 406, 1315, 92, 'con'], [417, 1301, 490, 1315, 82, '1ance.'],
];

function blocksOf(seen: Seen[]): OcrBlock[] {
  const words: OcrWord[] = seen.map(([x0, y0, x1, y1, confidence, text]) => ({ text, confidence, bbox: { x0, y0, x1, y1 } }));
  const bbox = { x0: 168, y0: 912, x1: 1506, y1: 1315 };
  return [{ text: '', confidence: 80, bbox, lines: words.map((word) => ({ text: word.text, confidence: word.confidence, bbox: word.bbox, words: [word] })) }];
}

describe('reading order', () => {
  test('when a stamp leaves tall, unsure marks beside an invoice\'s totals, then the totals are not taken for a region of their own', () => {
    const { text, layout } = readingOrder(blocksOf(stampedTotals), 'as the engine read it');

    // The page is not cut down the middle: the closing sentence is not read before the amounts.
    expect(layout).not.toBe('columns');
    const lines = text.split('\n');
    const closing = lines.findIndex((line) => line.includes('Règlement'));
    const firstAmount = lines.findIndex((line) => line.includes('1144,20'));
    expect(firstAmount).toBeGreaterThanOrEqual(0);
    expect(firstAmount).toBeLessThan(closing);
  });
});
