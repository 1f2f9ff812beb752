import type { BoundingBox, OcrBlock } from './types';

export interface HocrPage {
  page: number;
  width: number;
  height: number;
  blocks: OcrBlock[];
}

const escape = (text: string) =>
  text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
const bbox = ({ x0, y0, x1, y1 }: BoundingBox) => `bbox ${x0} ${y0} ${x1} ${y1}`;

/**
 * The recognised pages as one hOCR document (https://kba.github.io/hocr-spec/1.2/), in
 * three parts so that a document of many pages is written a page at a time.
 */
export const hocr = {
  head(engine: string): string {
    return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
<head>
<title>OCR result</title>
<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>
<meta name="ocr-system" content="${escape(engine)}"/>
<meta name="ocr-capabilities" content="ocr_page ocr_carea ocr_line ocrx_word"/>
</head>
<body>
`;
  },

  page({ page, width, height, blocks }: HocrPage): string {
    const areas = blocks
      .map((block, b) => {
        const lines = block.lines
          .map((line, l) => {
            const words = line.words
              .map(
                (word, w) =>
                  `<span class="ocrx_word" id="word_${page}_${b + 1}_${l + 1}_${w + 1}" title="${bbox(word.bbox)}; x_wconf ${Math.round(word.confidence)}">${escape(word.text)}</span>`,
              )
              .join(' ');
            return `<span class="ocr_line" id="line_${page}_${b + 1}_${l + 1}" title="${bbox(line.bbox)}">${words}</span>`;
          })
          .join('\n');
        return `<div class="ocr_carea" id="block_${page}_${b + 1}" title="${bbox(block.bbox)}">\n${lines}\n</div>`;
      })
      .join('\n');
    return `<div class="ocr_page" id="page_${page}" title="bbox 0 0 ${width} ${height}; ppageno ${page - 1}">\n${areas}\n</div>\n`;
  },

  tail(): string {
    return `</body>
</html>
`;
  },
};
