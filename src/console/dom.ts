// Small helpers over the console page's elements.

/** The page's element with this id; the page and the script ship together, so a missing one is a bug. */
export function element<T extends Element>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the console page has no #${id}`);
  return found as unknown as T;
}
