// Born-digital PDF pages: read from their text layer (MuPDF's structured text) with no
// rendering and no OCR, when the layer is real text. `PDF_TEXT=auto|ocr|layer`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../paths';
import type { TextLayer } from './rasterProtocol';
import { boxAround } from './geometry';
import type { OcrBlock, PageRecognition } from './types';

export type PdfTextSetting = 'auto' | 'ocr' | 'layer';

/** Named as the engine of a page read from its text layer. */
export const TEXT_LAYER_ENGINE = `MuPDF ${mupdfVersion()} (text layer)`;

function mupdfVersion(): string {
  // The package exports no package.json; it is read where npm put it.
  try {
    const manifest = readFileSync(path.join(PROJECT_ROOT, 'node_modules/mupdf/package.json'), 'utf8');
    return (JSON.parse(manifest) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Images covering this much of a page make it a scan: its ink is in the picture, not the layer. */
const SCAN_COVER = 0.5;

/**
 * Whether a page is read from its layer. `layer`: whenever it has words. `auto`: when its
 * text is drawn visibly (an invisible layer is an earlier OCR's, often junk), none of it is
 * invisible, and images do not cover most of the page (where the ink is a scan's, which the
 * layer may not hold). `ocr`: never.
 */
export function readsFromLayer(layer: TextLayer, setting: PdfTextSetting): boolean {
  if (setting === 'ocr' || layer.blocks.length === 0) return false;
  if (setting === 'layer') return true;
  return layer.visibleChars > 0 && layer.invisibleChars === 0 && layer.imageCover < SCAN_COVER;
}

/** The layer as a page's reading: the same blocks, lines and words as an engine's, every word sure. */
export function layerReading(layer: TextLayer): Omit<PageRecognition, 'pdf'> {
  const read: OcrBlock[] = layer.blocks.map((block) => {
    const lines = block.lines.map((line) => {
      const words = line.words.map((word) => ({ text: word.text, confidence: 100, bbox: word.bbox }));
      return { text: words.map((word) => word.text).join(' '), confidence: 100, bbox: boxAround(words.map((word) => word.bbox)), words };
    });
    return { text: `${lines.map((line) => line.text).join('\n')}\n`, confidence: 100, bbox: boxAround(lines.map((line) => line.bbox)), lines };
  });
  const blocks = paragraphs(read);
  const text = blocks.map((block) => block.lines.map((line) => line.text).join('\n')).join('\n\n');
  return { text: text ? `${text}\n` : '', confidence: blocks.length ? 100 : 0, blocks, engine: TEXT_LAYER_ENGINE };
}

/** Blocks closer than this many line heights, one under the other, are lines of one paragraph. */
const PARAGRAPH_GAP = 0.8;

/**
 * MuPDF makes a block of each run of text a PDF draws on its own (a generator that draws
 * line by line gives a block per line): consecutive blocks one under the other, in the same
 * column and with less than PARAGRAPH_GAP of a line between them, are joined.
 */
function paragraphs(blocks: OcrBlock[]): OcrBlock[] {
  const joined: OcrBlock[] = [];
  for (const block of blocks) {
    const last = joined.at(-1);
    const lineHeight = last ? Math.max(...last.lines.map((line) => line.bbox.y1 - line.bbox.y0)) : 0;
    const gap = last ? block.bbox.y0 - last.bbox.y1 : Infinity;
    const sameColumn = last !== undefined && block.bbox.x0 < last.bbox.x1 && last.bbox.x0 < block.bbox.x1;
    if (last && sameColumn && gap >= -lineHeight / 2 && gap < PARAGRAPH_GAP * lineHeight) {
      last.lines.push(...block.lines);
      last.text += block.text;
      last.bbox = { x0: Math.min(last.bbox.x0, block.bbox.x0), y0: last.bbox.y0, x1: Math.max(last.bbox.x1, block.bbox.x1), y1: Math.max(last.bbox.y1, block.bbox.y1) };
    } else {
      joined.push({ ...block, lines: [...block.lines] });
    }
  }
  return joined;
}
