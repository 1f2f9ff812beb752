/** Why a document's bytes could not be turned into pages: its own fault, never the worker's. */
export type DecodeFault = 'corrupt' | 'too-large';

/** The document (or a page of it) cannot be decoded; the same bytes fail the same way every time. */
export class DecodeError extends Error {
  constructor(
    message: string,
    readonly fault: DecodeFault,
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}

/** A decoder's (sharp's) error about the document, as a DecodeError. */
export function asDecodeError(err: unknown): DecodeError {
  if (err instanceof DecodeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new DecodeError(message, /pixel limit/i.test(message) ? 'too-large' : 'corrupt');
}
