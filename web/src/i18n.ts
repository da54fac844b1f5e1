// Chinese and English. Each screen declares its own strings with `strings(en, zh)`: the
// types make the Chinese table name every English key and no other, so a string left
// untranslated does not build. The language comes from the page's <html lang> (casp picks
// it from Accept-Language) unless the user chose one with the switch (kept in localStorage).
export type Lang = 'en' | 'zh';
export const LANGS: readonly Lang[] = ['en', 'zh'];
export const LANG_NAMES: Record<Lang, string> = { en: 'English', zh: '中文' };
const KEY = 'casp.lang';

function stored(): Lang | null {
  try {
    const value = localStorage.getItem(KEY);
    return value === 'en' || value === 'zh' ? value : null;
  } catch {
    return null;
  }
}

function fromPage(): Lang {
  return document.documentElement.lang.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

let current: Lang = stored() ?? fromPage();

export function lang(): Lang {
  return current;
}

/** The BCP 47 tag for dates and numbers: the browser's own when it is of this language. */
export function locale(): string {
  const browser = navigator.languages?.[0] ?? navigator.language ?? '';
  if (browser.toLowerCase().startsWith(current)) return browser;
  return current === 'zh' ? 'zh-CN' : 'en';
}

export function setLang(next: Lang): void {
  current = next;
  try {
    localStorage.setItem(KEY, next);
  } catch {
    /* private mode: the choice lasts for this page */
  }
  applyToDocument();
}

export function applyToDocument(): void {
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
}

type Vars = Record<string, string | number>;
export type Translate<K extends string> = (key: K, vars?: Vars) => string;

function fill(text: string, vars?: Vars): string {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole);
}

/** A screen's strings: `t('key', {n: 3})` in the current language, `{n}` filled in. */
export function strings<T extends Record<string, string>>(
  en: T, zh: { [K in keyof T]: string },
): Translate<Extract<keyof T, string>> {
  const tables: Record<Lang, Record<string, string>> = { en, zh };
  return (key, vars) => fill(tables[current][key] ?? en[key] ?? String(key), vars);
}

export function formatDate(value: string | null | undefined, withTime = true): string {
  if (!value) return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(locale(), withTime
    ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'medium' }).format(date);
}

/** The plural category of `n` in the current language, for keys such as `count_one` and
 * `count_other` ("1 domain", "2 domains"; Chinese has only 'other'). */
export function plural(n: number): 'one' | 'other' {
  return new Intl.PluralRules(locale()).select(n) === 'one' ? 'one' : 'other';
}

export function formatNumber(value: number): string {
  return new Intl.NumberFormat(locale()).format(value);
}

/** "in 3 days", "5 hours ago" in the current language. */
export function relative(value: string | null | undefined, now = Date.now()): string {
  if (!value) return '';
  const seconds = (new Date(value).getTime() - now) / 1000;
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1]];
  const format = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size || unit === 'second') {
      return format.format(Math.round(seconds / size), unit);
    }
  }
  return '';
}
