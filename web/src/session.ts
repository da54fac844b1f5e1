// The signed-in user's API token. It is the same bearer token the REST and GraphQL APIs
// take: kept in localStorage so a reload stays signed in, forgotten on sign-out or as soon
// as casp answers UNAUTHORIZED (a regenerated or reset token stops here too).
const KEY = 'casp.token';
type Listener = () => void;
const listeners = new Set<Listener>();

export function token(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return memory;
  }
}

let memory: string | null = null;

export function signIn(value: string): void {
  memory = value;
  try {
    localStorage.setItem(KEY, value);
  } catch {
    /* private mode: signed in for this page only */
  }
  listeners.forEach((f) => f());
}

export function signOut(): void {
  memory = null;
  try {
    localStorage.removeItem(KEY);
  } catch {
    /* nothing kept */
  }
  listeners.forEach((f) => f());
}

// Another tab signed in or out: this one follows.
window.addEventListener('storage', (e) => {
  if (e.key === KEY) listeners.forEach((f) => f());
});

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
