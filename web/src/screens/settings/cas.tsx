// #/settings/cas: External Account Binding per CA (which CAs have it stored, by key id; the
// HMAC key is never shown) and the default order of fallback CAs.
import { useEffect, useRef, useState } from 'preact/hooks';
import { gql } from '../../api';
import { useAction, useQuery } from '../../hooks';
import { strings } from '../../i18n';
import { Badge, ErrorBox, Field, Loading, Notice, Select, fieldError } from '../../ui/common';
import { FormError, SettingsPage } from './frame';

const t = strings({
  title: 'Certificate authorities',
  casTitle: 'CAs and External Account Binding',
  casIntro: 'Some CAs only issue to accounts bound to an account of yours with them (External Account Binding): store the key ID and HMAC key the CA gave you. The HMAC key is stored encrypted and never shown again.',
  ca: 'CA',
  eab: 'EAB',
  stored: 'Stored',
  eabRequired: 'Required',
  eabOptional: 'Optional',
  eabNone: 'Not used',
  storedKid: 'Stored (key ID {kid})',
  notStored: 'Not stored',
  unavailable: 'Unavailable',
  kid: 'Key ID',
  hmac: 'HMAC key',
  hmacHint: 'base64url, as the CA gave it. Saving again replaces what is stored.',
  saveEab: 'Save EAB credentials',
  saving: 'Saving…',
  eabSaved: 'Saved for {ca}: key ID {kid}. The HMAC key is stored encrypted.',
  noEabCas: 'No CA on this server needs External Account Binding.',
  fallbackTitle: 'Fallback CAs',
  fallbackIntro: 'When a request\'s CA fails for reasons of its own (unreachable, rate limited, account or EAB refused), casp tries these in order. Never when validation fails.',
  fallbackEmpty: 'No fallback CAs: a failing CA fails the request.',
  moveUp: 'Move {ca} up',
  moveDown: 'Move {ca} down',
  remove: 'Remove {ca}',
  up: 'Up',
  down: 'Down',
  removeShort: 'Remove',
  addCa: 'CA to add',
  add: 'Add',
  saveOrder: 'Save order',
  orderSaved: 'Fallback order saved.',
}, {
  title: '证书颁发机构',
  casTitle: 'CA 与外部账户绑定（EAB）',
  casIntro: '部分 CA 只为绑定了您在该 CA 处账户的 ACME 账户签发证书（外部账户绑定，EAB）：请填写 CA 提供的密钥 ID 和 HMAC 密钥。HMAC 密钥会加密保存，之后不再显示。',
  ca: 'CA',
  eab: 'EAB',
  stored: '已保存',
  eabRequired: '必需',
  eabOptional: '可选',
  eabNone: '不使用',
  storedKid: '已保存（密钥 ID {kid}）',
  notStored: '未保存',
  unavailable: '不可用',
  kid: '密钥 ID',
  hmac: 'HMAC 密钥',
  hmacHint: 'base64url 格式，按 CA 提供的原样填写。再次保存会替换已保存的内容。',
  saveEab: '保存 EAB 凭据',
  saving: '正在保存…',
  eabSaved: '已为 {ca} 保存：密钥 ID {kid}。HMAC 密钥已加密保存。',
  noEabCas: '本服务器上没有需要外部账户绑定的 CA。',
  fallbackTitle: '备用 CA',
  fallbackIntro: '当申请所用的 CA 因自身原因失败（无法连接、触发限流、账户或 EAB 被拒）时，casp 会按顺序尝试以下 CA。验证失败时不会切换。',
  fallbackEmpty: '没有备用 CA：CA 失败时申请即失败。',
  moveUp: '上移 {ca}',
  moveDown: '下移 {ca}',
  remove: '移除 {ca}',
  up: '上移',
  down: '下移',
  removeShort: '移除',
  addCa: '要添加的 CA',
  add: '添加',
  saveOrder: '保存顺序',
  orderSaved: '备用顺序已保存。',
});

interface Ca { caName: string; title: string; eab: string; eabRequired: boolean;
               available: boolean; note: string | null }
interface Eab { caName: string; eabKid: string }
interface Data { caProviders: Ca[]; eabCredentials: Eab[]; fallbackCaProviders: string[] }

const QUERY = `{ caProviders { caName title eab eabRequired available note }
  eabCredentials { caName eabKid } fallbackCaProviders }`;

function eabWord(mode: string): string {
  return mode === 'required' ? t('eabRequired') : mode === 'optional' ? t('eabOptional')
    : t('eabNone');
}

function EabForm({ ca, onSaved }: { ca: Ca; onSaved: (eab: Eab) => void }) {
  const [kid, setKid] = useState('');
  const [key, setKey] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const save = useAction(async () => (await gql<{ setEabCredentials: Eab }>(
    `mutation SetEab($caName: String!, $kid: String!, $key: String!) {
      setEabCredentials(caName: $caName, eabKid: $kid, eabHmacKey: $key) { caName eabKid } }`,
    { caName: ca.caName, kid: kid.trim(), key: key.trim() })).setEabCredentials);
  const submit = async (e: Event) => {
    e.preventDefault();
    setSaved(null);
    const done = await save.run();
    if (done) {
      setKid('');
      setKey('');
      setSaved(done.eabKid);
      onSaved(done);
    }
  };
  return (
    <form class="settings-form" onSubmit={submit} noValidate>
      <fieldset>
        <legend>{ca.title}</legend>
        <FormError error={save.error} shown={['eabKid', 'eabHmacKey']} />
        <Field label={t('kid')} value={kid} onValue={setKid} required maxLength={300}
               autoComplete="off" spellcheck={false} error={fieldError(save.error, 'eabKid')} />
        <Field label={t('hmac')} type="password" value={key} onValue={setKey} required
               maxLength={500} autoComplete="off" hint={t('hmacHint')}
               error={fieldError(save.error, 'eabHmacKey')} />
        {saved && <Notice kind="success">{t('eabSaved', { ca: ca.title, kid: saved })}</Notice>}
        <button type="submit" disabled={save.busy}>{save.busy ? t('saving') : t('saveEab')}</button>
      </fieldset>
    </form>
  );
}

function Fallback({ cas, initial }: { cas: Ca[]; initial: string[] }) {
  const [order, setOrder] = useState(initial);
  const [adding, setAdding] = useState('');
  const [saved, setSaved] = useState(false);
  // Where focus goes after a move or a removal (the pressed button may be disabled or gone).
  const [focusTo, setFocusTo] = useState<{ name: string; dir: 'up' | 'down' } | 'heading' | null>(null);
  const section = useRef<HTMLElement>(null);
  useEffect(() => {
    if (!focusTo || !section.current) return;
    if (focusTo === 'heading') {
      section.current.querySelector<HTMLElement>('#fallback-h')?.focus();
    } else {
      const button = (dir: string) => section.current?.querySelector<HTMLButtonElement>(
        `button[data-move="${dir}"][data-ca="${CSS.escape(focusTo.name)}"]`);
      const same = button(focusTo.dir);
      (same && !same.disabled ? same : button(focusTo.dir === 'up' ? 'down' : 'up'))?.focus();
    }
    setFocusTo(null);
  }, [focusTo]);
  const titles = new Map(cas.map((c) => [c.caName, c.title]));
  const title = (name: string) => titles.get(name) ?? name;
  const left = cas.filter((c) => c.available && !order.includes(c.caName));
  const pick = adding && left.some((c) => c.caName === adding) ? adding : left[0]?.caName ?? '';
  const save = useAction(async () => (await gql<{ setFallbackCaProviders: string[] }>(
    'mutation SetFallback($caNames: [String!]!) { setFallbackCaProviders(caNames: $caNames) }',
    { caNames: order })).setFallbackCaProviders);
  const change = (next: string[]) => {
    setOrder(next);
    setSaved(false);
  };
  const move = (i: number, by: number) => {
    const next = [...order];
    [next[i], next[i + by]] = [next[i + by], next[i]];
    change(next);
    setFocusTo({ name: next[i + by], dir: by < 0 ? 'up' : 'down' });
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const done = await save.run();
    if (done) {
      setOrder(done);
      setSaved(true);
    }
  };
  return (
    <section class="card" aria-labelledby="fallback-h" ref={section}>
      <h2 id="fallback-h" tabIndex={-1}>{t('fallbackTitle')}</h2>
      <p class="hint">{t('fallbackIntro')}</p>
      {order.length === 0 ? <p class="muted">{t('fallbackEmpty')}</p>
        : <ol class="order-list" aria-labelledby="fallback-h">
            {order.map((name, i) => (
              <li key={name}>
                <div class="row">
                  <span>{title(name)}</span>
                  <button type="button" class="secondary small" disabled={i === 0}
                          data-move="up" data-ca={name}
                          aria-label={t('moveUp', { ca: title(name) })}
                          onClick={() => move(i, -1)}>{t('up')}</button>
                  <button type="button" class="secondary small" disabled={i === order.length - 1}
                          data-move="down" data-ca={name}
                          aria-label={t('moveDown', { ca: title(name) })}
                          onClick={() => move(i, 1)}>{t('down')}</button>
                  <button type="button" class="secondary small"
                          aria-label={t('remove', { ca: title(name) })}
                          onClick={() => {
                            change(order.filter((n) => n !== name));
                            setFocusTo('heading');
                          }}>
                    {t('removeShort')}</button>
                </div>
              </li>
            ))}
          </ol>}
      {left.length > 0 &&
        <div class="inline-form">
          <Select label={t('addCa')} value={pick} onValue={setAdding}
                  options={left.map((c) => ({ value: c.caName, label: c.title }))} />
          <button type="button" class="secondary" onClick={() => pick && change([...order, pick])}>
            {t('add')}</button>
        </div>}
      <form onSubmit={submit}>
        <FormError error={save.error} shown={[]} />
        {saved && <Notice kind="success">{t('orderSaved')}</Notice>}
        <div class="button-row">
          <button type="submit" disabled={save.busy}>{save.busy ? t('saving') : t('saveOrder')}</button>
        </div>
      </form>
    </section>
  );
}

export function CaSettings() {
  const q = useQuery<Data>(QUERY);
  const [stored, setStored] = useState<Record<string, string>>({});
  const data = q.data;
  const kids: Record<string, string> = {
    ...Object.fromEntries((data?.eabCredentials ?? []).map((e) => [e.caName, e.eabKid])), ...stored };
  const needing = data?.caProviders.filter((c) => c.eabRequired && c.available) ?? [];
  return (
    <SettingsPage section="cas" title={t('title')}>
      {!data && q.loading && <Loading />}
      {!data && <ErrorBox error={q.error} onRetry={q.reload} />}
      {data && <>
        <section class="card" aria-labelledby="cas-h">
          <h2 id="cas-h">{t('casTitle')}</h2>
          <p class="hint">{t('casIntro')}</p>
          <div class="table-wrap">
            <table class="responsive settings-table">
              <thead><tr><th scope="col">{t('ca')}</th><th scope="col">{t('eab')}</th>
                <th scope="col">{t('stored')}</th></tr></thead>
              <tbody>
                {data.caProviders.map((ca) => (
                  <tr key={ca.caName}>
                    <td data-label={t('ca')}>
                      <div>{ca.title} <code class="muted">{ca.caName}</code>
                        {!ca.available && <> <Badge kind="neutral">{t('unavailable')}</Badge></>}
                        {ca.note && <p class="hint" lang="en">{ca.note}</p>}</div>
                    </td>
                    <td data-label={t('eab')}>{eabWord(ca.eab)}</td>
                    <td data-label={t('stored')}>
                      {kids[ca.caName] ? <Badge kind="ok">{t('storedKid', { kid: kids[ca.caName] })}</Badge>
                        : ca.eab === 'none' ? <span class="muted">—</span>
                          : <Badge kind="neutral">{t('notStored')}</Badge>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {needing.length === 0 ? <p class="muted">{t('noEabCas')}</p>
            : needing.map((ca) => <EabForm key={ca.caName} ca={ca}
                onSaved={(eab) => setStored((s) => ({ ...s, [eab.caName]: eab.eabKid }))} />)}
        </section>
        <Fallback cas={data.caProviders} initial={data.fallbackCaProviders} />
      </>}
    </SettingsPage>
  );
}
