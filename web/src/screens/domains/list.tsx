// #/domains: your domains, and the form to add one.
import './domains.css';
import { useState } from 'preact/hooks';
import { gql } from '../../api';
import { useAction, useQuery } from '../../hooks';
import { formatNumber, plural } from '../../i18n';
import { takeFlash } from '../../flash';
import { href } from '../../router';
import {
  DateTime, Empty, ErrorBox, Field, Loading, Notice, Page, Select, fieldError,
} from '../../ui/common';
import { METHODS, StatusBadges, methodLabel, type Method } from './shared';
import { t } from './strings';

interface Row {
  id: number; domain: string; verificationMethod: Method; status: string; createdAt: string;
  ownership: { status: string };
}

const LIST = `query Domains { domains { total domains {
  id domain verificationMethod status createdAt ownership { status } } } }`;

const ADD = `mutation AddDomain($domain: String!, $verificationMethod: ChallengeType) {
  addDomain(domain: $domain, verificationMethod: $verificationMethod) { id domain } }`;

export function DomainsList() {
  const list = useQuery<{ domains: { total: number; domains: Row[] } }>(LIST);
  const [name, setName] = useState('');
  const [method, setMethod] = useState<Method>('DNS_01');
  const [added, setAdded] = useState<{ id: number; domain: string } | null>(null);
  const [deleted] = useState(() => takeFlash('deletedDomain'));
  const add = useAction(async () => {
    const data = await gql<{ addDomain: { id: number; domain: string } }>(
      ADD, { domain: name.trim(), verificationMethod: method });
    return data.addDomain;
  });
  const submit = async (e: Event) => {
    e.preventDefault();
    setAdded(null);
    const done = await add.run();
    if (done) {
      setAdded(done);
      setName('');
      list.reload();
    }
  };
  const rows = list.data?.domains.domains ?? [];
  const total = list.data?.domains.total ?? rows.length;
  const nameError = fieldError(add.error, 'domain');
  const methodError = fieldError(add.error, 'verificationMethod');
  return (
    <div class="domains-screen"><Page title={t('title')}>
      <p class="muted">{t('intro')}</p>
      {deleted && <Notice kind="success"><p>{t('deleted', { name: deleted })}</p></Notice>}
      {list.loading && !list.data && <Loading />}
      <ErrorBox error={list.error} onRetry={list.reload} />
      {list.data && rows.length === 0 &&
        <Empty><p><strong>{t('empty')}</strong></p><p>{t('emptyHint')}</p></Empty>}
      {rows.length > 0 && (
        <div class="table-wrap">
          <table class="responsive">
            <caption class="visually-hidden">
              {t(`count_${plural(total)}`, { n: formatNumber(total) })}
            </caption>
            <thead>
              <tr>
                <th scope="col">{t('colDomain')}</th>
                <th scope="col">{t('colMethod')}</th>
                <th scope="col">{t('colStatus')}</th>
                <th scope="col">{t('colAdded')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.id}>
                  <td data-label={t('colDomain')}>
                    <a href={href(`/domains/${d.id}`)} class="domain-name">{d.domain}</a>
                  </td>
                  <td data-label={t('colMethod')}>{methodLabel(d.verificationMethod)}</td>
                  <td data-label={t('colStatus')}><StatusBadges domain={d} /></td>
                  <td data-label={t('colAdded')}><DateTime value={d.createdAt} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form class="card add-domain" onSubmit={submit} noValidate aria-labelledby="add-domain-title">
        <h2 id="add-domain-title">{t('addTitle')}</h2>
        {added && (
          <Notice kind="success">
            <p>{t('added', { name: added.domain })}{' '}
              <a href={href(`/domains/${added.id}`)}>{t('openAdded')}</a></p>
          </Notice>
        )}
        <ErrorBox error={add.error} />
        <Field label={t('name')} required value={name} onValue={setName} maxLength={300}
               autoComplete="off" spellcheck={false} placeholder="example.com"
               hint={t('nameHint')} error={nameError} />
        <Select label={t('method')} value={method} onValue={(v) => setMethod(v as Method)}
                options={METHODS.map((m) => ({ value: m, label: methodLabel(m) }))}
                error={methodError}
                hint={<>{t('methodHint')}
                  {METHODS.map((m) => <span key={m} class="domain-method-help">
                    {t(`${m}_explained`)}</span>)}</>} />
        <button type="submit" disabled={add.busy}>{add.busy ? t('adding') : t('add')}</button>
      </form>
    </Page></div>
  );
}
