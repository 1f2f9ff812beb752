// Evaluation set 2: documents like the ones users upload that set 1 does not cover (alpha
// channels, screenshots, photos, faxes, stamps, forms, receipts, other languages, odd
// multi-page files). Every page is generated here from text written for it, with seeded
// randomness, so the set and its ground truth are the same on every run.
import type { EvalDocument } from '../corpus';
import { alphaDocs } from './alpha';
import { faxDocs } from './fax';
import { formDocs } from './forms';
import { geometryDocs } from './geometry';
import { languageDocs } from './languages';
import { mixedDocs } from './mixed';
import { multiPageDocs } from './multipage';
import { receiptDocs } from './receipts';
import { photoDocs } from './photos';
import { screenDocs } from './screens';
import { stampDocs } from './stamps';
import { tableDocs } from './tables';

/** Families of set-2 documents; each returns its documents in a fixed order. */
const FAMILIES: Array<() => Promise<EvalDocument[]>> = [alphaDocs, screenDocs, photoDocs, geometryDocs, mixedDocs, tableDocs, formDocs, faxDocs, stampDocs, receiptDocs, languageDocs, multiPageDocs];

export async function buildCorpus2(): Promise<EvalDocument[]> {
  const docs: EvalDocument[] = [];
  for (const family of FAMILIES) docs.push(...(await family()));
  return docs;
}
