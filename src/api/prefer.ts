/** The preferences of an RFC 7240 `Prefer` header that this API honours. */
export interface Preferences {
  respondAsync: boolean;
  /** `wait=N`: seconds the client is willing to wait for a final answer. */
  wait: number | null;
}

/** Parses `Prefer: respond-async, wait=10`; unknown preferences are ignored, as RFC 7240 asks. */
export function parsePrefer(header: string | undefined): Preferences {
  const preferences: Preferences = { respondAsync: false, wait: null };
  for (const part of (header ?? '').split(',')) {
    const [token = '', rawValue] = part.split(';')[0]!.split('=').map((s) => s.trim());
    const value = rawValue?.replace(/^"|"$/g, '');
    switch (token.toLowerCase()) {
      case 'respond-async':
        preferences.respondAsync = true;
        break;
      case 'wait':
        if (value && /^\d{1,6}$/.test(value)) preferences.wait = Number(value);
        break;
    }
  }
  return preferences;
}
