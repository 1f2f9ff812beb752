// Recognises a document's format from its first bytes; names and headers can lie.

interface Signature {
  mediaType: string;
  matches: (head: Buffer) => boolean;
}

const startsWith = (bytes: number[], offset = 0) => (head: Buffer) =>
  head.length >= offset + bytes.length && bytes.every((byte, i) => head[offset + i] === byte);

const ascii = (text: string) => [...Buffer.from(text, 'latin1')];

const SIGNATURES: Signature[] = [
  { mediaType: 'image/png', matches: startsWith([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { mediaType: 'image/jpeg', matches: startsWith([0xff, 0xd8, 0xff]) },
  { mediaType: 'image/gif', matches: (head) => startsWith(ascii('GIF87a'))(head) || startsWith(ascii('GIF89a'))(head) },
  { mediaType: 'image/webp', matches: (head) => startsWith(ascii('RIFF'))(head) && startsWith(ascii('WEBP'), 8)(head) },
  {
    mediaType: 'image/tiff',
    matches: (head) => startsWith([0x49, 0x49, 0x2a, 0x00])(head) || startsWith([0x4d, 0x4d, 0x00, 0x2a])(head),
  },
  { mediaType: 'image/bmp', matches: startsWith(ascii('BM')) },
  { mediaType: 'application/pdf', matches: startsWith(ascii('%PDF-')) },
];

/** Media types we accept, as detected by {@link detectMediaType}. */
export const SUPPORTED_MEDIA_TYPES: readonly string[] = SIGNATURES.map((s) => s.mediaType);

/** The media type of a document from its magic bytes, or null when it is none we read. */
export function detectMediaType(bytes: Buffer): string | null {
  const head = bytes.subarray(0, 16);
  return SIGNATURES.find((signature) => signature.matches(head))?.mediaType ?? null;
}
