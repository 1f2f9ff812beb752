// A page being drawn: SVG text and shapes in pixels, and the text a reader would read off it,
// recorded line by line in reading order as the page is laid out.
import sharp from 'sharp';
import { escapeXml } from '../../../test/helpers/images';

export interface Font {
  /** A family list (see FONTS): the wanted face, then its stand-in. */
  family: string;
  /** Size in pixels. */
  size: number;
  bold?: boolean;
  italic?: boolean;
}

export interface TextStyle {
  fill?: string;
  anchor?: 'start' | 'middle' | 'end';
  opacity?: number;
}

/** Pixels per point at `dpi`. */
export const pt = (points: number, dpi: number) => (points * dpi) / 72;

/** The size of an A4 sheet at `dpi`, in pixels. */
export const a4 = (dpi: number) => ({ width: Math.round(8.27 * dpi), height: Math.round(11.69 * dpi) });

const widths = new Map<string, number>();

/** The advance width of `text` in `font`, in pixels, as the SVG renderer lays it out. */
export async function measure(text: string, font: Font): Promise<number> {
  if (text.trim() === '') return 0;
  const description = `${font.family}${font.bold ? ' Bold' : ''}${font.italic ? ' Italic' : ''} ${font.size}`;
  const key = `${description}|${text}`;
  const known = widths.get(key);
  if (known !== undefined) return known;
  const { info } = await sharp({ text: { text: escapeXml(text), font: description, dpi: 72 } }).png().toBuffer({ resolveWithObject: true });
  widths.set(key, info.width);
  return info.width;
}

export function svgText(x: number, y: number, text: string, font: Font, style: TextStyle = {}): string {
  const attributes = [
    `x="${x.toFixed(1)}"`,
    `y="${y.toFixed(1)}"`,
    `font-family="${font.family}"`,
    `font-size="${font.size.toFixed(1)}"`,
    font.bold ? 'font-weight="bold"' : '',
    font.italic ? 'font-style="italic"' : '',
    `fill="${style.fill ?? 'black'}"`,
    style.anchor && style.anchor !== 'start' ? `text-anchor="${style.anchor}"` : '',
    style.opacity !== undefined ? `fill-opacity="${style.opacity}"` : '',
  ];
  // Runs of spaces are kept: monospaced tables and indents are laid out with them.
  return `<text xml:space="preserve" ${attributes.filter(Boolean).join(' ')}>${escapeXml(text)}</text>`;
}

export class Sheet {
  private readonly parts: string[] = [];
  private readonly texts: Array<{ x: number; y: number; text: string; font: Font; anchor: TextStyle['anchor'] }> = [];
  /** Expected text, one entry per line, in reading order. */
  readonly lines: string[] = [];

  constructor(
    readonly width: number,
    readonly height: number,
    readonly background = 'white',
  ) {}

  /** Draws text that is not read on its own (part of a line recorded with `read`, or not text at all). */
  draw(x: number, y: number, text: string, font: Font, style?: TextStyle): this {
    this.texts.push({ x, y, text, font, anchor: style?.anchor });
    this.parts.push(svgText(x, y, text, font, style));
    return this;
  }

  /** Draws one line of text and records it. */
  text(x: number, y: number, text: string, font: Font, style?: TextStyle): this {
    this.read(text);
    return this.draw(x, y, text, font, style);
  }

  /** Records a line of expected text drawn in pieces. */
  read(line: string): this {
    this.lines.push(line);
    return this;
  }

  /**
   * Draws pieces of one row (cells, label and value, item and price) at their own x and
   * records them as one line, left to right.
   */
  row(y: number, cells: Array<{ x: number; text: string; anchor?: TextStyle['anchor']; font?: Font; fill?: string }>, font: Font): this {
    const drawn = cells.filter((cell) => cell.text !== '');
    for (const cell of drawn) this.draw(cell.x, y, cell.text, cell.font ?? font, { anchor: cell.anchor, fill: cell.fill });
    return this.read(drawn.map((cell) => cell.text).join(' '));
  }

  /** Lines of text, one below the other from baseline `y`; returns the baseline after the last. */
  block(lines: string[], x: number, y: number, font: Font, leading = font.size * 1.45, style?: TextStyle): number {
    lines.forEach((line, i) => this.text(x, y + i * leading, line, font, style));
    return y + lines.length * leading;
  }

  /** Any SVG element (rules, boxes, fills); not text to read. */
  shape(svg: string): this {
    this.parts.push(svg);
    return this;
  }

  svg(): string {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}">` +
      `<rect width="100%" height="100%" fill="${this.background}"/>${this.parts.join('')}</svg>`;
  }

  /**
   * The sheet rendered to 8-bit sRGB pixels, three channels. Refuses a sheet with text
   * running off its edges: text that is not on the page cannot be expected.
   */
  async render(): Promise<sharp.Sharp> {
    for (const { x, y, text, font, anchor } of this.texts) {
      const width = await measure(text, font);
      const start = anchor === 'end' ? x - width : anchor === 'middle' ? x - width / 2 : x;
      if (start < 0 || start + width > this.width || y - font.size * 0.8 < 0 || y > this.height) {
        throw new Error(`"${text}" runs off the ${this.width}×${this.height} sheet`);
      }
    }
    return sharp(Buffer.from(this.svg())).removeAlpha();
  }

  expected(): string {
    return this.lines.join('\n');
  }
}
