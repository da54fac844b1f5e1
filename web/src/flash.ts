// One-time messages for the next screen ("Welcome", "Deleted example.com"), kept in memory:
// not in the address, where a link could put any text into casp's own page, and where an
// email address would stay in the browser's history.
const messages = new Map<string, string>();

export function setFlash(key: string, value: string): void {
  messages.set(key, value);
}

/** The message, once: a reload or a second visit shows nothing. */
export function takeFlash(key: string): string | null {
  const value = messages.get(key) ?? null;
  messages.delete(key);
  return value;
}
