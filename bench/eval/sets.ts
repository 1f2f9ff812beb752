// Which evaluation documents a run reads: `--set=1|2|all`, `--split=dev|test|all`,
// `--kind=NAME` and document names as plain arguments.
import type { EvalDocument } from './corpus';
import { buildCorpus } from './corpus';
import { buildCorpus2 } from './corpus2';
import { ensureExtraFonts } from './corpus2/fonts';

export type EvalSet = '1' | '2' | 'all';

function option(args: string[], name: string): string | undefined {
  return args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
}

export function parseSet(args: string[]): EvalSet {
  const set = option(args, 'set') ?? '1';
  if (set !== '1' && set !== '2' && set !== 'all') throw new Error(`--set must be 1, 2 or all, not ${set}`);
  return set;
}

/** The documents of `set`, in a fixed order (set 1 first). */
export async function evalCorpus(set: EvalSet): Promise<EvalDocument[]> {
  // Fonts are installed before anything is rendered: the renderer reads the font list once.
  if (set !== '1') ensureExtraFonts();
  return [...(set === '2' ? [] : await buildCorpus()), ...(set === '1' ? [] : await buildCorpus2())];
}

/** The documents the command line asks for. */
export async function selectDocuments(args: string[]): Promise<EvalDocument[]> {
  const split = option(args, 'split') ?? 'all';
  if (split !== 'dev' && split !== 'test' && split !== 'all') throw new Error(`--split must be dev, test or all, not ${split}`);
  const kind = option(args, 'kind');
  const names = args.filter((arg) => !arg.startsWith('--'));
  return (await evalCorpus(parseSet(args))).filter(
    (doc) => (split === 'all' || doc.split === split) && (!kind || doc.kind === kind) && (names.length === 0 || names.includes(doc.name)),
  );
}
