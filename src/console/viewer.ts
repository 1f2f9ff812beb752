// The result viewer: a job's text beside its page image, with a box over each recognised word
// coloured by the word's confidence.
import type { ResultDocument, Word } from './api.js';
import { element } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';

/** Media types a browser can show as an image; PDF and TIFF pages it cannot. */
const SHOWABLE_IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp']);

const section = element<HTMLElement>('viewer');
const title = element<HTMLElement>('viewer-title');
const frame = element<HTMLElement>('page-frame');
const image = element<HTMLImageElement>('page-image');
const boxes = element<SVGSVGElement>('page-boxes');
const caption = element<HTMLElement>('page-caption');
const legend = element<HTMLElement>('legend');
const wordInfo = element<HTMLElement>('word-info');
const text = element<HTMLElement>('page-text');

let imageUrl: string | null = null;

/** The confidence band a box is coloured by (the legend in the page names them). */
function band(confidence: number): 'high' | 'medium' | 'low' {
  return confidence >= 90 ? 'high' : confidence >= 70 ? 'medium' : 'low';
}

const describe = (word: Word) => `“${word.text}”, ${Math.round(word.confidence)} % confident`;

/** Pointing at a box names its word and confidence (its `<title>` gives the same as a tooltip). */
boxes.addEventListener('pointerover', (event) => {
  const box = (event.target as Element).closest('rect.word');
  if (box) wordInfo.textContent = box.getAttribute('aria-label') ?? '';
});

/**
 * Shows a finished job's result. `file` is the document the user sent from this page, when
 * there is one: an image of a single page is drawn with its words' boxes; otherwise the text
 * stands alone and the caption says why.
 */
export function showResult(name: string, result: ResultDocument, file: File | null): void {
  title.textContent = `Result: ${name}`;
  text.replaceChildren(
    ...result.pages.map((page) => {
      const block = document.createElement('pre');
      block.textContent = page.text.trim() || '(no text found on this page)';
      if (result.pages.length === 1) return block;
      const part = document.createElement('section');
      const heading = document.createElement('h4');
      heading.textContent = `Page ${page.page}`;
      part.append(heading, block);
      return part;
    }),
  );
  wordInfo.textContent = '';
  if (imageUrl) URL.revokeObjectURL(imageUrl);
  imageUrl = null;

  const page = result.pages[0];
  const drawable = file && SHOWABLE_IMAGES.has(file.type) && result.pages.length === 1 && page;
  frame.hidden = !drawable;
  legend.hidden = !drawable;
  wordInfo.hidden = !drawable;
  if (drawable) {
    imageUrl = URL.createObjectURL(file);
    image.src = imageUrl;
    image.alt = `Page image of ${name}`;
    // The boxes are in pixels of the page as sent: the overlay's coordinates are those pixels.
    boxes.setAttribute('viewBox', `0 0 ${page.width} ${page.height}`);
    const words = page.blocks.flatMap((block) => block.lines.flatMap((line) => line.words));
    boxes.replaceChildren(...words.map(wordBox));
    const unsure = words.filter((word) => band(word.confidence) === 'low').length;
    caption.textContent = `${words.length} words recognised, ${unsure} of them under 70 % confident. Point at a box to see its word.`;
  } else {
    image.removeAttribute('src');
    boxes.replaceChildren();
    caption.textContent = file
      ? 'Only the text is shown: the browser cannot draw PDF or TIFF pages, nor more than one page of a file.'
      : 'Only the text is shown: the page images are drawn only for files sent from this page since it was opened.';
  }
  section.hidden = false;
}

function wordBox(word: Word): SVGRectElement {
  const rect = document.createElementNS(SVG, 'rect');
  const { x0, y0, x1, y1 } = word.bbox;
  rect.setAttribute('x', String(x0));
  rect.setAttribute('y', String(y0));
  rect.setAttribute('width', String(Math.max(x1 - x0, 1)));
  rect.setAttribute('height', String(Math.max(y1 - y0, 1)));
  rect.setAttribute('class', `word ${band(word.confidence)}`);
  rect.setAttribute('role', 'img');
  rect.setAttribute('aria-label', describe(word));
  const tooltip = document.createElementNS(SVG, 'title');
  tooltip.textContent = describe(word);
  rect.append(tooltip);
  return rect;
}
