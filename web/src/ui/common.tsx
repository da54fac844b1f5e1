// Building blocks every screen uses: each state a screen can be in (loading, empty, error),
// labelled form fields, buttons, copy buttons, badges and dates.
// Preact 11 types <input> as a union on `type`; a type chosen at run time is cast once.
import type { ComponentChildren, InputHTMLAttributes } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { announce } from './announce';
import { formatDate, relative, strings } from '../i18n';

const t = strings({
  loading: 'Loading…',
  retry: 'Try again',
  copy: 'Copy',
  copied: 'Copied',
  copyFailed: 'Select the text and copy it',
  NETWORK: 'casp could not be reached. Check your connection and try again.',
  UNAUTHORIZED: 'Your session has ended. Please sign in again.',
  VALIDATION_ERROR: 'Please check what you entered.',
  NOT_FOUND: 'Not found. It may have been deleted.',
  RATE_LIMIT_EXCEEDED: 'Too many requests. Please wait a moment and try again.',
  RATE_LIMIT_AFTER: 'Too many requests. Please try again in {n} s.',
  SERVER_ERROR: 'Something went wrong on the server. Please try again later.',
  details: 'Details from casp:',
  required: '(required)',
}, {
  loading: '加载中…',
  retry: '重试',
  copy: '复制',
  copied: '已复制',
  copyFailed: '请选中文本后手动复制',
  NETWORK: '无法连接到 casp，请检查网络后重试。',
  UNAUTHORIZED: '登录已失效，请重新登录。',
  VALIDATION_ERROR: '请检查填写的内容。',
  NOT_FOUND: '未找到，可能已被删除。',
  RATE_LIMIT_EXCEEDED: '请求过于频繁，请稍后再试。',
  RATE_LIMIT_AFTER: '请求过于频繁，请在 {n} 秒后重试。',
  SERVER_ERROR: '服务器出错，请稍后再试。',
  details: 'casp 返回的详情：',
  required: '（必填）',
});

type Code = 'NETWORK' | 'UNAUTHORIZED' | 'VALIDATION_ERROR' | 'NOT_FOUND' |
  'RATE_LIMIT_EXCEEDED' | 'SERVER_ERROR';
const CODES: Code[] = ['NETWORK', 'UNAUTHORIZED', 'VALIDATION_ERROR', 'NOT_FOUND',
                       'RATE_LIMIT_EXCEEDED', 'SERVER_ERROR'];

/** What went wrong, in the user's language, with casp's own words (English) below. */
export function ErrorBox({ error, onRetry }: { error: ApiError | null; onRetry?: () => void }) {
  if (!error) return null;
  const code = (CODES as string[]).includes(error.code) ? error.code as Code : 'SERVER_ERROR';
  const summary = code === 'RATE_LIMIT_EXCEEDED' && error.retryAfter
    ? t('RATE_LIMIT_AFTER', { n: error.retryAfter }) : t(code);
  return (
    <div class="notice error" role="alert">
      <p>{summary}</p>
      {error.message && code !== 'NETWORK' && Object.keys(error.fields).length === 0 &&
        <p class="detail"><span>{t('details')}</span> <span lang="en">{error.message}</span></p>}
      {onRetry && <button type="button" class="secondary" onClick={onRetry}>{t('retry')}</button>}
    </div>
  );
}

export function Loading({ label }: { label?: string }) {
  return <p class="loading" role="status" aria-live="polite"><span class="spinner" aria-hidden="true" />{label ?? t('loading')}</p>;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

/** A result message, said through the page's live region when it appears or changes; with
 * `focus`, focused too (for results of a control that disappears or becomes disabled). */
export function Notice({ children, kind = 'info', focus = false }: {
  children: ComponentChildren; kind?: 'info' | 'success' | 'warning'; focus?: boolean;
}) {
  const box = useRef<HTMLDivElement>(null);
  const said = useRef('');
  useEffect(() => {
    const text = box.current?.textContent ?? '';
    if (!text || text === said.current) return;
    said.current = text;
    announce(text);
    if (focus) box.current?.focus();
  });
  return <div class={`notice ${kind}`} role="status" ref={box}
              tabIndex={focus ? -1 : undefined}>{children}</div>;
}

/** A screen's frame: its heading (focused on arrival, for screen readers) and actions. */
export function Page({ title, actions, children }: { title: string; actions?: ComponentChildren;
                                                     children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · casp`;
  }, [title]);
  useEffect(() => {
    heading.current?.focus({ preventScroll: true });
  }, []);
  return (
    <section class="page">
      <header class="page-head">
        <h1 tabIndex={-1} ref={heading}>{title}</h1>
        {actions && <div class="actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

interface InputProps {
  label: string;
  type?: 'text' | 'email' | 'password' | 'search' | 'url' | 'number';
  autoComplete?: string;
  maxLength?: number;
  placeholder?: string;
  required?: boolean;
  disabled?: boolean;
  name?: string;
  spellcheck?: boolean;
  value: string;
  onValue: (value: string) => void;
  error?: string;
  hint?: ComponentChildren;
}

/** A labelled input; its hint and error are tied to it with aria-describedby. */
export function Field({ label, value, onValue, error, hint, required, type = 'text',
                        ...rest }: InputProps) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={id}>{label}{required && <span class="req"> {t('required')}</span>}</label>
      <input {...{
        id, type, value, required, ...rest,
        'aria-invalid': error ? 'true' : undefined,
        'aria-describedby': described.join(' ') || undefined,
        onInput: (e: Event) => onValue((e.currentTarget as HTMLInputElement).value),
      } as unknown as InputHTMLAttributes<HTMLInputElement>} />
      {hint && <p class="hint" id={`${id}-hint`}>{hint}</p>}
      {error && <p class="field-error" id={`${id}-error`}>{error}</p>}
    </div>
  );
}

export interface Option { value: string; label: string; disabled?: boolean }

export function Select({ label, value, onValue, options, hint, error }: {
  label: string; value: string; onValue: (v: string) => void; options: Option[];
  hint?: ComponentChildren; error?: string;
}) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={id}>{label}</label>
      <select id={id} value={value} aria-describedby={described.join(' ') || undefined}
              aria-invalid={error ? 'true' : undefined}
              onChange={(e) => onValue((e.currentTarget as HTMLSelectElement).value)}>
        {options.map((o) => <option key={o.value} value={o.value} disabled={o.disabled}>{o.label}</option>)}
      </select>
      {hint && <p class="hint" id={`${id}-hint`}>{hint}</p>}
      {error && <p class="field-error" id={`${id}-error`}>{error}</p>}
    </div>
  );
}

export function Checkbox({ label, checked, onChecked, hint }: {
  label: string; checked: boolean; onChecked: (v: boolean) => void; hint?: ComponentChildren;
}) {
  const id = useId();
  return (
    <div class="field check">
      <input type="checkbox" id={id} checked={checked}
             aria-describedby={hint ? `${id}-hint` : undefined}
             onChange={(e) => onChecked((e.currentTarget as HTMLInputElement).checked)} />
      <label for={id}>{label}</label>
      {hint && <p class="hint" id={`${id}-hint`}>{hint}</p>}
    </div>
  );
}

/** The message of a field named by casp's VALIDATION_ERROR (camelCase, as in GraphQL). */
export function fieldError(error: ApiError | null, field: string): string | undefined {
  return error?.fields[field];
}

/** Copy text to the clipboard; says so in place (and to screen readers). */
export function CopyButton({ text, label }: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    window.setTimeout(() => setState('idle'), 2500);
  };
  return (
    <button type="button" class="copy secondary small" onClick={copy}>
      {/* The name is the visible text plus what is copied (no aria-label that would
          differ from the text), announced when it changes. */}
      <span aria-live="polite">{state === 'copied' ? t('copied')
        : state === 'failed' ? t('copyFailed') : t('copy')}</span>
      {label && <span class="visually-hidden"> {label}</span>}
    </button>
  );
}

/** A value to copy, shown whole in monospace beside its copy button. */
export function CopyValue({ value, label }: { value: string; label: string }) {
  return (
    <div class="copy-value">
      <code>{value}</code>
      <CopyButton text={value} label={label} />
    </div>
  );
}

export function Badge({ kind, children }: { kind: string; children: ComponentChildren }) {
  return <span class={`badge ${kind}`}>{children}</span>;
}

/** A date in the user's locale; the exact instant on hover and for machines. */
export function DateTime({ value, withRelative = false }: { value: string | null | undefined;
                                                           withRelative?: boolean }) {
  if (!value) return <span class="muted">—</span>;
  return (
    <time dateTime={value} title={value}>
      {formatDate(value)}{withRelative && <span class="muted"> ({relative(value)})</span>}
    </time>
  );
}
