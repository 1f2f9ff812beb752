// Typefaces for set 2. DejaVu is always there; Liberation and FreeFont (Debian packages) add
// variety and are installed by the evaluation when it runs as root. Each family below names
// a DejaVu fallback, so without them the set still renders (with less variety in type).
import { execFileSync } from 'node:child_process';
import { aptInstall } from '../../lib/debian';

const EXTRA_FONT_PACKAGES: Record<string, string> = {
  'Liberation Sans': 'fonts-liberation2',
  FreeSans: 'fonts-freefont-ttf',
};

function installedFamilies(): Set<string> {
  try {
    const out = execFileSync('fc-list', [':', 'family'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return new Set(out.split('\n').flatMap((line) => line.split(',')).map((name) => name.trim()));
  } catch {
    return new Set();
  }
}

/**
 * Installs the extra font packages when missing and allowed. Call it before anything is
 * rendered: the renderer reads the font list once per process.
 */
export function ensureExtraFonts(): void {
  const have = installedFamilies();
  const missing = Object.entries(EXTRA_FONT_PACKAGES)
    .filter(([family]) => !have.has(family))
    .map(([, pkg]) => pkg);
  aptInstall(missing);
}

/** Font families as SVG/Pango family lists: the wanted face first, its DejaVu stand-in after. */
export const FONTS = {
  sans: 'DejaVu Sans',
  serif: 'DejaVu Serif',
  mono: 'DejaVu Sans Mono',
  sansCondensed: 'DejaVu Sans Condensed',
  serifCondensed: 'DejaVu Serif Condensed',
  liberationSans: 'Liberation Sans, DejaVu Sans',
  liberationSerif: 'Liberation Serif, DejaVu Serif',
  liberationMono: 'Liberation Mono, DejaVu Sans Mono',
  freeSans: 'FreeSans, DejaVu Sans',
  freeSerif: 'FreeSerif, DejaVu Serif',
  freeMono: 'FreeMono, DejaVu Sans Mono',
} as const;
