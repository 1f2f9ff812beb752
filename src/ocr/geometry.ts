import type { PageGeometry } from '../shared/steps';
import { displacement } from './dewarp';
import { project } from './perspective';
import type { BoundingBox, OcrBlock } from './types';

/** The smallest box holding every one of `boxes` (none: an inverted box, from +Infinity to -Infinity). */
export function boxAround(boxes: Iterable<BoundingBox>): BoundingBox {
  const around = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  for (const box of boxes) {
    around.x0 = Math.min(around.x0, box.x0);
    around.y0 = Math.min(around.y0, box.y0);
    around.x1 = Math.max(around.x1, box.x1);
    around.y1 = Math.max(around.y1, box.y1);
  }
  return around;
}

/** A box on the image that was read, as the smallest upright box on the submitted page holding it. */
export function toSourceBox(box: BoundingBox, geometry: PageGeometry): BoundingBox {
  const { sourceWidth, sourceHeight, turnedWidth, turnedHeight, width, height, rotation } = geometry;
  const squareWidth = geometry.squareWidth ?? sourceWidth;
  const squareHeight = geometry.squareHeight ?? sourceHeight;
  const { perspective } = geometry;
  const flatWidth = perspective ? geometry.flatWidth ?? squareWidth : squareWidth;
  const flatHeight = perspective ? geometry.flatHeight ?? squareHeight : squareHeight;
  const scaleX = turnedWidth / width;
  const scaleY = turnedHeight / height;
  const radians = (rotation * Math.PI) / 180;
  const [cos, sin] = [Math.cos(radians), Math.sin(radians)];
  const corners = [
    [box.x0, box.y0],
    [box.x1, box.y0],
    [box.x0, box.y1],
    [box.x1, box.y1],
  ].map(([x, y]) => {
    // Undo the scaling, then the turn (image coordinates: y points down, so a clockwise
    // turn by θ took (dx, dy) to (dx cos θ − dy sin θ, dx sin θ + dy cos θ)).
    const dx = x! * scaleX - turnedWidth / 2;
    const dy = y! * scaleY - turnedHeight / 2;
    // Then the straightening of a curl, the flattening of a photographed page and the
    // squaring of the pixels.
    const fx = flatWidth / 2 + dx * cos + dy * sin;
    const straightY = flatHeight / 2 - dx * sin + dy * cos;
    // A straightened curl moved pixels up or down only.
    const fy = geometry.bend ? straightY + displacement({ lines: geometry.bend }, fx, straightY) : straightY;
    const { x: sx, y: sy } = perspective ? project(perspective, fx, fy) : { x: fx, y: fy };
    return [(sx * sourceWidth) / squareWidth, (sy * sourceHeight) / squareHeight] as const;
  });
  const xs = corners.map(([x]) => x);
  const ys = corners.map(([, y]) => y);
  const clamp = (value: number, limit: number) => Math.min(limit, Math.max(0, Math.round(value)));
  return {
    x0: clamp(Math.min(...xs), sourceWidth),
    y0: clamp(Math.min(...ys), sourceHeight),
    x1: clamp(Math.max(...xs), sourceWidth),
    y1: clamp(Math.max(...ys), sourceHeight),
  };
}

/** Every block, line and word box of a page, on the submitted page. */
export function toSourceBlocks(blocks: OcrBlock[], geometry: PageGeometry): OcrBlock[] {
  const map = (box: BoundingBox) => toSourceBox(box, geometry);
  return blocks.map((block) => ({
    ...block,
    bbox: map(block.bbox),
    lines: block.lines.map((line) => ({
      ...line,
      bbox: map(line.bbox),
      words: line.words.map((word) => ({ ...word, bbox: map(word.bbox) })),
    })),
  }));
}
