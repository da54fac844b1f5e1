// The unread notification count in the navigation: screens that change it say so here.
type Listener = () => void;
const listeners = new Set<Listener>();

export function unreadChanged(): void {
  listeners.forEach((f) => f());
}

export function onUnreadChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
