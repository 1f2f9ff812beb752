import { ApplicationFailure } from '@temporalio/activity';
import { DecodeError } from '../ocr/decodeError';
import { RasterError } from '../ocr/rasterizer';
import { JobErrorCode } from '../shared/errorCodes';
import { permanentFailure, transientFailure } from './failures';

/**
 * What a failure while decoding a document (or one of its pages) means for the job. The
 * document's own faults are final: decoding is deterministic, and bytes that fail once fail
 * every time (CORRUPT_DOCUMENT, IMAGE_TOO_LARGE). A decoder thread that crashed or ran out
 * of time is the worker's trouble and is retried. Anything else is left for the step to
 * report as unexpected; failures already classified pass through.
 */
export function decodeFailure(err: unknown, what: string): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof DecodeError) {
    return err.fault === 'too-large'
      ? permanentFailure(JobErrorCode.IMAGE_TOO_LARGE, `${what} is larger than the pixel limit (MAX_IMAGE_PIXELS): ${err.message}`)
      : permanentFailure(JobErrorCode.CORRUPT_DOCUMENT, `${what} cannot be decoded: ${err.message}`);
  }
  if (err instanceof RasterError) {
    return transientFailure(JobErrorCode.INTERNAL_ERROR, `${what}: the decoder failed: ${err.message}`, err);
  }
  return err;
}
