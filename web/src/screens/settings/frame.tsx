// The settings pages' frame: the sub-navigation between them, and small helpers they share
// (a form's errors about fields it has no input for, a multi-line field, a masked secret).
import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';
import type { ApiError } from '../../api';
import { strings } from '../../i18n';
import { ErrorBox, Page } from '../../ui/common';
import './settings.css';

export const tFrame = strings({
  sections: 'Settings sections',
  account: 'Account',
  notifications: 'Notifications',
  cas: 'CAs and EAB',
  dns: 'DNS providers',
  deployments: 'Deployments',
  required: '(required)',
  secretSet: 'Set, ending in …{tail}',
  secretNone: 'Not set',
  copySecret: 'Copy secret',
}, {
  sections: '设置分区',
  account: '账户',
  notifications: '通知',
  cas: 'CA 与 EAB',
  dns: 'DNS 服务商',
  deployments: '部署',
  required: '（必填）',
  secretSet: '已设置，末尾为 …{tail}',
  secretNone: '未设置',
  copySecret: '复制密钥',
});

export type Section = 'account' | 'notifications' | 'cas' | 'dns' | 'deployments';
const SECTIONS: [Section, string][] = [
  ['account', '/settings'], ['notifications', '/settings/notifications'],
  ['cas', '/settings/cas'], ['dns', '/settings/dns'], ['deployments', '/settings/deployments'],
];

export function SettingsPage({ section, title, children }: {
  section: Section; title: string; children: ComponentChildren;
}) {
  return (
    <Page title={title}>
      <nav class="settings-nav" aria-label={tFrame('sections')}>
        <ul>
          {SECTIONS.map(([key, path]) => (
            <li key={key}>
              <a href={`#${path}`} aria-current={key === section ? 'page' : undefined}>
                {tFrame(key)}</a>
            </li>
          ))}
        </ul>
      </nav>
      {children}
    </Page>
  );
}

/** An error, plus casp's words for fields the form shows no input for (they would be lost). */
export function FormError({ error, shown }: { error: ApiError | null; shown: string[] }) {
  if (!error) return null;
  const others = Object.entries(error.fields).filter(([name]) => !shown.includes(name));
  return (
    <>
      <ErrorBox error={error} />
      {others.length > 0 &&
        <ul class="field-errors" role="alert">
          {others.map(([name, text]) => <li key={name}><code>{name}</code>: <span lang="en">{text}</span></li>)}
        </ul>}
    </>
  );
}

/** A labelled multi-line input (keys, host keys), its hint and error tied to it. */
export function TextArea({ label, value, onValue, hint, error, required, rows = 5 }: {
  label: string; value: string; onValue: (v: string) => void; hint?: ComponentChildren;
  error?: string; required?: boolean; rows?: number;
}) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={id}>{label}{required && <span class="req"> {tFrame('required')}</span>}</label>
      <textarea id={id} value={value} rows={rows} spellcheck={false} autoComplete="off"
                aria-invalid={error ? 'true' : undefined}
                aria-describedby={described.join(' ') || undefined}
                onInput={(e) => onValue((e.currentTarget as HTMLTextAreaElement).value)} />
      {hint && <p class="hint" id={`${id}-hint`}>{hint}</p>}
      {error && <p class="field-error" id={`${id}-error`}>{error}</p>}
    </div>
  );
}

/** A stored secret, never shown whole: whether it is set, and its last four characters. */
export function MaskedSecret({ value }: { value: string | null | undefined }) {
  if (!value) return <span class="muted">{tFrame('secretNone')}</span>;
  return <span>{tFrame('secretSet', { tail: value.slice(-4) })}</span>;
}
