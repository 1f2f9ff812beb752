import type { PageRecognition } from '../ocr/types';
import { readingOrder } from '../ocr/readingOrder';
import type { PreprocessedPage } from '../shared/steps';
import type { ActivityDeps } from './deps';
import { decodeFailure } from './documentErrors';
import type { Reading } from './pageResult';
import { readSource } from './source';

/**
 * A page read from its PDF text layer, as a reading like an OCR'd page's: columns and tables
 * ordered from the word boxes, and (when asked for) its PDF page, which is the page itself.
 */
export async function layerPageReading(
  deps: ActivityDeps,
  layer: PageRecognition,
  image: Pick<PreprocessedPage, 'page' | 'source' | 'geometry'>,
  pdf: boolean,
  signal: AbortSignal,
): Promise<Reading> {
  const { source } = image;
  const pagePdf =
    pdf && source
      ? await deps.pipeline.pagePdf(source.sha256, () => readSource(deps.blobs, source), image.page - 1, signal).catch((err: unknown) => {
          throw decodeFailure(err, `page ${image.page}`);
        })
      : undefined;
  const { text, layout } = readingOrder(layer.blocks, layer.text);
  return { ...layer, text, layout, reading: 'prepared', geometry: image.geometry, ...(pagePdf ? { pdf: pagePdf } : {}) };
}
