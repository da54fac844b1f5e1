// One polite live region, present from the start (a region inserted already filled is not
// announced by many screen readers): results write their text into it.

const ID = 'live-region';

/** The page's live region, created once (main.tsx calls this before the first render). */
export function liveRegion(): HTMLElement {
  let region = document.getElementById(ID);
  if (!region) {
    region = document.createElement('div');
    region.id = ID;
    region.className = 'visually-hidden';
    region.setAttribute('aria-live', 'polite');
    region.setAttribute('aria-atomic', 'true');
    document.body.append(region);
  }
  return region;
}

let pending = 0;

/** Say `text` to screen readers (again, even when it is the text said last). */
export function announce(text: string): void {
  const region = liveRegion();
  const text_ = text.replace(/\s+/g, ' ').trim();
  if (!text_) return;
  window.clearTimeout(pending);
  region.textContent = '';
  // A change the screen reader sees: emptied, then filled a moment later.
  pending = window.setTimeout(() => {
    region.textContent = text_;
  }, 100);
}
