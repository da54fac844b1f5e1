// Pieces the certificate screens share: badges for status and expiry, the stage names, a
// labelled textarea, the CA list's shape.
import { useId } from 'preact/hooks';
import { relative } from '../../i18n';
import { Badge } from '../../ui/common';
import { t, type Key } from './strings';
import './certificates.css';

export type Status = 'PENDING' | 'ISSUED' | 'FAILED' | 'EXPIRED' | 'REVOKED';
export const STATUSES: Status[] = ['PENDING', 'ISSUED', 'FAILED', 'EXPIRED', 'REVOKED'];

export interface CaInfo {
  name: string;
  caName: string;
  title: string;
  custom: boolean;
  available: boolean;
  note?: string | null;
  eabRequired?: boolean;
  keyTypes?: string[];
  challengeTypes?: string[];
  profiles?: { name: string; description: string }[] | null;
}

const STATUS_KIND: Record<Status, string> = {
  PENDING: 'pending', ISSUED: 'issued', FAILED: 'failed', EXPIRED: 'expired', REVOKED: 'revoked',
};

export function StatusBadge({ status }: { status: string }) {
  const known = (STATUSES as string[]).includes(status) ? status as Status : null;
  return <Badge kind={known ? STATUS_KIND[known] : 'neutral'}>{known ? t(known) : status}</Badge>;
}

const DAY = 86_400_000;

/** "expires in 12 days": amber within the renewal moment or 30 days, red once expired. */
export function ExpiryBadge({ expiresAt, renewAt, status }: {
  expiresAt: string | null; renewAt?: string | null; status: string;
}) {
  if (!expiresAt) return <span class="muted">{t('noExpiry')}</span>;
  const now = Date.now();
  const end = new Date(expiresAt).getTime();
  if (end <= now || status === 'EXPIRED') {
    return <Badge kind="expired">{t('expiredAgo', { when: relative(expiresAt, now) })}</Badge>;
  }
  const due = renewAt ? new Date(renewAt).getTime() <= now : false;
  const kind = status === 'REVOKED' ? 'neutral' : due || end - now < 30 * DAY ? 'soon' : 'ok';
  return <Badge kind={kind}>{t('expiresIn', { when: relative(expiresAt, now) })}</Badge>;
}

export const STAGES = ['queued', 'key_ready', 'authorizing', 'awaiting_dns', 'done', 'failed',
                       'renewal_failed'];

export function stageLabel(stage: string): string {
  return STAGES.includes(stage) ? t(`stage_${stage}` as Key) : stage;
}

export function caTitle(cas: { caName: string; title: string }[] | undefined,
                        caName: string): string {
  return cas?.find((c) => c.caName === caName)?.title ?? caName;
}

export function TextArea({ label, value, onValue, error, hint, required, rows = 4 }: {
  label: string; value: string; onValue: (v: string) => void; error?: string;
  hint?: string; required?: boolean; rows?: number;
}) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={id}>{label}</label>
      <textarea id={id} rows={rows} value={value} required={required} spellcheck={false}
                autoCapitalize="none" aria-invalid={error ? 'true' : undefined}
                aria-describedby={described.join(' ') || undefined}
                onInput={(e) => onValue((e.currentTarget as HTMLTextAreaElement).value)} />
      {hint && <p class="hint" id={`${id}-hint`}>{hint}</p>}
      {error && <p class="field-error" id={`${id}-error`}>{error}</p>}
    </div>
  );
}

/** The names typed: one per line or comma separated, blanks dropped. */
export function splitNames(text: string): string[] {
  return text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
}
