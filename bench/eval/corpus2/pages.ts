// Page layouts shared by the set-2 families: a page of prose, and how a document is packed.
import type { EvalDocument } from '../corpus';
import { FONTS } from './fonts';
import { a4, pt, Sheet } from './sheet';

export interface ProseOptions {
  /** Font family list (FONTS). */
  family?: string;
  points?: number;
  /** Left and top margins, in points. */
  left?: number;
  top?: number;
  /** Line spacing as a multiple of the font size. */
  spacing?: number;
  background?: string;
  ink?: string;
  /** A heading above the lines, larger and bold. */
  heading?: string;
}

/** An A4 page at `dpi` holding `lines` of prose, optionally under a heading. */
export function proseSheet(dpi: number, lines: string[], options: ProseOptions = {}): Sheet {
  const { family = FONTS.serif, points = 11, left = 72, top = 80, spacing = 1.45, background = 'white', ink = 'black' } = options;
  const { width, height } = a4(dpi);
  const sheet = new Sheet(width, height, background);
  let y = pt(top, dpi);
  if (options.heading) {
    const size = pt(points * 1.5, dpi);
    sheet.text(pt(left, dpi), y, options.heading, { family, size, bold: true }, { fill: ink });
    y += size * 1.8;
  }
  const font = { family, size: pt(points, dpi) };
  sheet.block(lines, pt(left, dpi), y, font, font.size * spacing, { fill: ink });
  return sheet;
}

/** Pages' expected texts, as EvalDocument.expected holds them. */
export const pagesText = (pages: string[]) => pages.join('\f');

export type DocumentSpec = Omit<EvalDocument, 'languages'> & { languages?: string[] };

/** A document with English as its language unless it says otherwise. */
export const evalDocument = (spec: DocumentSpec): EvalDocument => ({ ...spec, languages: spec.languages ?? ['eng'] });
