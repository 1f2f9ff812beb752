// Accuracy measures for OCR text against the expected text.

/** Whitespace (spaces, line breaks, page breaks) counts as one space: layout is not text. */
export function normalize(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Levenshtein distance between two strings, in characters. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let previous = new Uint32Array(b.length + 1).map((_, j) => j);
  let current = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (ca === b.charCodeAt(j - 1) ? 0 : 1);
      current[j] = Math.min(substitution, previous[j]! + 1, current[j - 1]! + 1);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length]!;
}

export interface Score {
  /** Character error rate: edits needed / characters expected. 0 is perfect. */
  cer: number;
  /** Word F1 over the bags of words (order-free, case- and punctuation-insensitive). 1 is perfect. */
  wordF1: number;
  edits: number;
  characters: number;
}

const wordsOf = (text: string) =>
  text
    .toLowerCase()
    .split(/\s+/)
    .map((word) => word.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''))
    .filter(Boolean);

export function score(expected: string, actual: string): Score {
  const ref = normalize(expected);
  const hyp = normalize(actual);
  const edits = editDistance(ref, hyp);
  const expectedWords = wordsOf(ref);
  const counts = new Map<string, number>();
  for (const word of expectedWords) counts.set(word, (counts.get(word) ?? 0) + 1);
  let matched = 0;
  const found = wordsOf(hyp);
  for (const word of found) {
    const left = counts.get(word) ?? 0;
    if (left > 0) {
      matched += 1;
      counts.set(word, left - 1);
    }
  }
  const precision = found.length ? matched / found.length : 0;
  const recall = expectedWords.length ? matched / expectedWords.length : 0;
  const wordF1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { cer: ref.length ? edits / ref.length : 0, wordF1, edits, characters: ref.length };
}

/** The CER of several texts taken together: all their edits over all their characters. */
export function pooledCer(scores: Score[]): number {
  const edits = scores.reduce((sum, s) => sum + s.edits, 0);
  const characters = scores.reduce((sum, s) => sum + s.characters, 0);
  return edits / characters;
}
