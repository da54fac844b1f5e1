// #/settings/dns: DNS provider credentials (casp writes dns-01 TXT records through them):
// the list (never their fields), an add form with the chosen provider's fields, check, delete.
import { useState } from 'preact/hooks';
import { gql } from '../../api';
import { useAction, useQuery } from '../../hooks';
import { strings } from '../../i18n';
import { Badge, DateTime, Empty, ErrorBox, Field, Loading, Notice, Select, fieldError } from '../../ui/common';
import { FormError, SettingsPage } from './frame';

const t = strings({
  title: 'DNS provider credentials',
  intro: 'With a credential of your DNS provider, casp writes the dns-01 TXT records itself, and removes them afterwards. Choose it for a domain on the domain\'s page. The credential\'s fields are stored encrypted and never shown again.',
  listTitle: 'Your credentials',
  none: 'No DNS credentials yet. Add one below.',
  label: 'Name',
  provider: 'Provider',
  zone: 'Zone',
  created: 'Added',
  lastUsed: 'Last used',
  never: 'Never',
  actions: 'Actions',
  check: 'Check',
  checking: 'Checking…',
  checkLabel: 'Check {label}',
  remove: 'Delete',
  removeLabel: 'Delete {label}',
  confirmDelete: 'Delete the DNS credential "{label}"? Records still written with it are removed first; its domains go back to delegation or manual records.',
  deleted: 'Deleted "{label}".',
  checkOk: '{label}: the provider accepted the credential.',
  checkBad: '{label}: the provider refused the credential.',
  addTitle: 'Add a credential',
  addIntro: 'casp checks the credential with a harmless call to the provider before storing it; a credential that fails the check is not stored.',
  labelHint: 'Your name for it, up to 100 characters.',
  zoneHint: 'A DNS zone the credential manages, such as example.com: the check reads it.',
  notInstalled: '{name} (not installed on this server)',
  fieldsOf: 'Fields of {provider}',
  noFields: 'This provider needs no fields.',
  add: 'Check and add',
  adding: 'Checking and adding…',
  added: 'Added "{label}".',
}, {
  title: 'DNS 服务商凭据',
  intro: '有了 DNS 服务商的凭据，casp 会自行写入 dns-01 TXT 记录，并在之后删除。请在域名页面为域名选用凭据。凭据的各字段会加密保存，之后不再显示。',
  listTitle: '您的凭据',
  none: '还没有 DNS 凭据，请在下方添加。',
  label: '名称',
  provider: '服务商',
  zone: '区域',
  created: '添加时间',
  lastUsed: '上次使用',
  never: '从未',
  actions: '操作',
  check: '检查',
  checking: '正在检查…',
  checkLabel: '检查 {label}',
  remove: '删除',
  removeLabel: '删除 {label}',
  confirmDelete: '要删除 DNS 凭据“{label}”吗？用它写入且仍存在的记录会先被删除；使用它的域名将改回委派或手动记录。',
  deleted: '已删除“{label}”。',
  checkOk: '{label}：服务商接受了该凭据。',
  checkBad: '{label}：服务商拒绝了该凭据。',
  addTitle: '添加凭据',
  addIntro: '保存前 casp 会向服务商发起一次无害的调用来检查凭据；未通过检查的凭据不会被保存。',
  labelHint: '您为它起的名字，最多 100 个字符。',
  zoneHint: '该凭据管理的 DNS 区域，例如 example.com：检查时会读取它。',
  notInstalled: '{name}（本服务器未安装）',
  fieldsOf: '{provider} 的字段',
  noFields: '此服务商不需要填写字段。',
  add: '检查并添加',
  adding: '正在检查并添加…',
  added: '已添加“{label}”。',
});

interface ProviderField { name: string; description: string; secret: boolean }
interface Provider { name: string; available: boolean; required: string[]; fields: ProviderField[] }
interface Credential { id: number; provider: string; label: string; zone: string;
                       createdAt: string; lastUsedAt: string | null }
interface Data { dnsProviders: Provider[]; dnsCredentials: Credential[] }
interface Check { ok: boolean; error: string | null; credential: Credential }

const CREDENTIAL = 'id provider label zone createdAt lastUsedAt';
const QUERY = `{ dnsProviders { name available required fields { name description secret } }
  dnsCredentials { ${CREDENTIAL} } }`;

function AddForm({ providers, onAdded }: { providers: Provider[];
                                           onAdded: (c: Credential) => void }) {
  const usable = providers.filter((p) => p.available);
  const first = usable.find((p) => p.name === 'rfc2136') ?? usable[0];
  const [name, setName] = useState(first?.name ?? '');
  const [label, setLabel] = useState('');
  const [zone, setZone] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [added, setAdded] = useState<string | null>(null);
  const provider = providers.find((p) => p.name === name);
  const add = useAction(async () => {
    const credentials: Record<string, string> = {};
    for (const f of provider?.fields ?? []) {
      if (values[f.name]?.trim()) credentials[f.name] = values[f.name].trim();
    }
    return (await gql<{ addDnsCredential: Credential }>(
      `mutation Add($provider: String!, $label: String!, $zone: String!, $credentials: JSON!) {
        addDnsCredential(provider: $provider, label: $label, zone: $zone,
                         credentials: $credentials) { ${CREDENTIAL} } }`,
      { provider: name, label: label.trim(), zone: zone.trim(), credentials })).addDnsCredential;
  });
  const submit = async (e: Event) => {
    e.preventDefault();
    setAdded(null);
    const done = await add.run();
    if (done) {
      setLabel('');
      setZone('');
      setValues({});
      setAdded(done.label);
      onAdded(done);
    }
  };
  return (
    <form class="card settings-form" onSubmit={submit} noValidate aria-labelledby="dns-add-h">
      <h2 id="dns-add-h">{t('addTitle')}</h2>
      <p class="hint">{t('addIntro')}</p>
      <FormError error={add.error} shown={['provider', 'label', 'zone']} />
      <Select label={t('provider')} value={name} onValue={(v) => {
        setName(v);
        setValues({});
      }} error={fieldError(add.error, 'provider')}
              options={providers.map((p) => ({ value: p.name, disabled: !p.available,
                label: p.available ? p.name : t('notInstalled', { name: p.name }) }))} />
      <Field label={t('label')} value={label} onValue={setLabel} required maxLength={100}
             hint={t('labelHint')} error={fieldError(add.error, 'label')} />
      <Field label={t('zone')} value={zone} onValue={setZone} required maxLength={300}
             spellcheck={false} hint={t('zoneHint')} error={fieldError(add.error, 'zone')} />
      {provider && <fieldset>
        <legend>{t('fieldsOf', { provider: provider.name })}</legend>
        {provider.fields.length === 0 && <p class="muted">{t('noFields')}</p>}
        {provider.fields.map((f) => (
          <Field key={`${provider.name}.${f.name}`} label={f.name}
                 type={f.secret ? 'password' : 'text'} autoComplete="off" spellcheck={false}
                 required={provider.required.includes(f.name)} maxLength={4000}
                 value={values[f.name] ?? ''}
                 onValue={(v) => setValues((s) => ({ ...s, [f.name]: v }))}
                 hint={f.description ? <span lang="en">{f.description}</span> : undefined} />
        ))}
      </fieldset>}
      {added && <Notice kind="success">{t('added', { label: added })}</Notice>}
      <button type="submit" disabled={add.busy || !provider}>
        {add.busy ? t('adding') : t('add')}</button>
    </form>
  );
}

function Row({ c, onDeleted, onChecked }: { c: Credential; onDeleted: (c: Credential) => void;
                                            onChecked: (c: Credential) => void }) {
  const [result, setResult] = useState<Check | null>(null);
  const check = useAction(async () => (await gql<{ checkDnsCredential: Check }>(
    `mutation Check($id: Int!) { checkDnsCredential(id: $id) { ok error
      credential { ${CREDENTIAL} } } }`, { id: c.id })).checkDnsCredential);
  const remove = useAction(() => gql('mutation Delete($id: Int!) { deleteDnsCredential(id: $id) { message } }',
                                     { id: c.id }));
  return (
    <tr>
      <td data-label={t('label')}>{c.label}</td>
      <td data-label={t('provider')}><code>{c.provider}</code></td>
      <td data-label={t('zone')}>{c.zone}</td>
      <td data-label={t('created')}><DateTime value={c.createdAt} /></td>
      <td data-label={t('lastUsed')}>{c.lastUsedAt ? <DateTime value={c.lastUsedAt} />
        : <span class="muted">{t('never')}</span>}</td>
      <td data-label={t('actions')}>
        <div>
          <div class="button-row">
            <button type="button" class="secondary small" disabled={check.busy}
                    aria-label={t('checkLabel', { label: c.label })} onClick={async () => {
                      setResult(null);
                      const done = await check.run();
                      if (done) {
                        setResult(done);
                        onChecked(done.credential);
                      }
                    }}>{check.busy ? t('checking') : t('check')}</button>
            <button type="button" class="danger small" disabled={remove.busy}
                    aria-label={t('removeLabel', { label: c.label })} onClick={async () => {
                      if (!window.confirm(t('confirmDelete', { label: c.label }))) return;
                      if (await remove.run() !== undefined) onDeleted(c);
                    }}>{t('remove')}</button>
          </div>
          <div aria-live="polite" class="result">
            {result && (result.ok
              ? <Badge kind="ok">{t('checkOk', { label: c.label })}</Badge>
              : <div class="notice error"><p>{t('checkBad', { label: c.label })}</p>
                  {result.error && <p class="detail" lang="en">{result.error}</p>}</div>)}
          </div>
          <ErrorBox error={check.error ?? remove.error} />
        </div>
      </td>
    </tr>
  );
}

export function DnsSettings() {
  const q = useQuery<Data>(QUERY);
  const [list, setList] = useState<Credential[] | null>(null);
  const [deleted, setDeleted] = useState<string | null>(null);
  const credentials = list ?? q.data?.dnsCredentials ?? [];
  // Each change applies to the list as it is then (answers may come back in any order).
  const edit = (f: (l: Credential[]) => Credential[]) => setList((cur) =>
    f(cur ?? q.data?.dnsCredentials ?? []));
  const replace = (c: Credential) => edit((l) => l.map((x) => (x.id === c.id ? c : x)));
  return (
    <SettingsPage section="dns" title={t('title')}>
      <p>{t('intro')}</p>
      {!q.data && q.loading && <Loading />}
      {!q.data && <ErrorBox error={q.error} onRetry={q.reload} />}
      {q.data && <>
        <section aria-labelledby="dns-list-h">
          <h2 id="dns-list-h">{t('listTitle')}</h2>
          {deleted && <Notice kind="success" focus>{t('deleted', { label: deleted })}</Notice>}
          {credentials.length === 0 ? <Empty>{t('none')}</Empty>
            : <div class="table-wrap">
                <table class="responsive settings-table">
                  <thead><tr>
                    <th scope="col">{t('label')}</th><th scope="col">{t('provider')}</th>
                    <th scope="col">{t('zone')}</th><th scope="col">{t('created')}</th>
                    <th scope="col">{t('lastUsed')}</th><th scope="col">{t('actions')}</th>
                  </tr></thead>
                  <tbody>
                    {credentials.map((c) => <Row key={c.id} c={c} onChecked={replace}
                      onDeleted={(gone) => {
                        setDeleted(gone.label);
                        edit((l) => l.filter((x) => x.id !== gone.id));
                      }} />)}
                  </tbody>
                </table>
              </div>}
        </section>
        <AddForm providers={q.data.dnsProviders} onAdded={(c) => {
          setDeleted(null);
          edit((l) => [...l, c]);
        }} />
      </>}
    </SettingsPage>
  );
}
