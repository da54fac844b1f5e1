// #/certificates: your certificates, soonest expiry first, with filters, search and pages.
import { useEffect, useState } from 'preact/hooks';
import { useQuery } from '../../hooks';
import { formatNumber } from '../../i18n';
import { Empty, ErrorBox, Loading, Page, Select } from '../../ui/common';
import { Field } from '../../ui/common';
import { ExpiryBadge, StatusBadge, STATUSES, caTitle, type CaInfo } from './parts';
import { t } from './strings';

const LIST = `query Certificates($status: CertificateStatus, $caName: String, $search: String,
    $page: Int, $perPage: Int, $order: CertificateOrder) {
  certificates(status: $status, caName: $caName, search: $search, page: $page,
               perPage: $perPage, order: $order) {
    total page perPage pages
    certificates { id domains caName status stage expiresAt renewAt }
  }
  caProviders { name caName title custom available }
}`;

interface Row {
  id: number; domains: string[]; caName: string; status: string; stage: string;
  expiresAt: string | null; renewAt: string | null;
}
interface Data {
  certificates: { total: number; page: number; perPage: number; pages: number;
                  certificates: Row[] };
  caProviders: CaInfo[];
}

const PER_PAGE = 20;

export function CertificatesList() {
  const [status, setStatus] = useState('');
  const [ca, setCa] = useState('');
  const [typed, setTyped] = useState('');
  const [search, setSearch] = useState('');
  const [order, setOrder] = useState('EXPIRES_SOONEST');
  const [page, setPage] = useState(1);
  useEffect(() => { // debounced: one request when the typing pauses
    const timer = window.setTimeout(() => {
      setSearch(typed.trim());
      setPage(1);
    }, 350);
    return () => window.clearTimeout(timer);
  }, [typed]);
  const q = useQuery<Data>(LIST, {
    status: status || null, caName: ca || null, search: search || null, page,
    perPage: PER_PAGE, order,
  }, [status, ca, search, order, page]);
  const filtered = Boolean(status || ca || search);
  const list = q.data?.certificates;
  const clear = () => {
    setStatus('');
    setCa('');
    setTyped('');
    setSearch('');
    setPage(1);
  };
  return (
    <Page title={t('listTitle')}
          actions={<a class="button" href="#/certificates/new">{t('requestNew')}</a>}>
      <form class="filters card" role="search" aria-label={t('filters')}
            onSubmit={(e) => {
              e.preventDefault();
              setSearch(typed.trim());
              setPage(1);
            }}>
        <Field label={t('search')} type="search" value={typed} onValue={setTyped}
               placeholder="example.com" spellcheck={false} />
        <Select label={t('status')} value={status}
                onValue={(v) => { setStatus(v); setPage(1); }}
                options={[{ value: '', label: t('anyStatus') },
                          ...STATUSES.map((s) => ({ value: s, label: t(s) }))]} />
        <Select label={t('ca')} value={ca} onValue={(v) => { setCa(v); setPage(1); }}
                options={[{ value: '', label: t('anyCa') },
                          ...(q.data?.caProviders ?? []).map((c) => ({
                            value: c.caName, label: c.title }))]} />
        <Select label={t('order')} value={order} onValue={(v) => { setOrder(v); setPage(1); }}
                options={[{ value: 'EXPIRES_SOONEST', label: t('orderSoonest') },
                          { value: 'NEWEST', label: t('orderNewest') }]} />
      </form>
      <ErrorBox error={q.error} onRetry={q.reload} />
      {q.loading && !q.data && <Loading />}
      {list && list.total === 0 && (filtered
        ? <Empty><p>{t('emptyFiltered')}</p>
            <button type="button" class="secondary" onClick={clear}>{t('clearFilters')}</button>
          </Empty>
        : <Empty><p>{t('emptyFirst')}</p><p>{t('emptyFirstHint')}</p>
            <p><a class="button" href="#/certificates/new">{t('requestNew')}</a></p></Empty>)}
      {list && list.total > 0 && <>
        <p class="muted" role="status" aria-live="polite">
          {list.total === 1 ? t('totalOne') : t('total', { n: formatNumber(list.total) })}</p>
        <div class="table-wrap" aria-busy={q.loading ? 'true' : 'false'}>
          <table class="responsive cert-table">
            <thead>
              <tr>
                <th scope="col">{t('names')}</th>
                <th scope="col">{t('ca')}</th>
                <th scope="col">{t('status')}</th>
                <th scope="col">{t('expiry')}</th>
              </tr>
            </thead>
            <tbody>
              {list.certificates.map((c) => (
                <tr key={c.id} data-testid="certificate-row">
                  <td data-label={t('names')}>
                    <a href={`#/certificates/${c.id}`} class="cert-name">{c.domains[0]}</a>
                    {c.domains.length > 1 &&
                      <span class="muted"> {t('moreNames', { n: c.domains.length - 1 })}</span>}
                  </td>
                  <td data-label={t('ca')}>{caTitle(q.data?.caProviders, c.caName)}</td>
                  <td data-label={t('status')}><StatusBadge status={c.status} /></td>
                  <td data-label={t('expiry')}>
                    <ExpiryBadge expiresAt={c.expiresAt} renewAt={c.renewAt} status={c.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {list.pages > 1 &&
          <nav class="pager" aria-label={t('pagination')}>
            <button type="button" class="secondary small" disabled={page <= 1}
                    onClick={() => setPage(page - 1)}>{t('previous')}</button>
            <span>{t('pageOf', { page: list.page, pages: list.pages })}</span>
            <button type="button" class="secondary small" disabled={page >= list.pages}
                    onClick={() => setPage(page + 1)}>{t('next')}</button>
          </nav>}
      </>}
    </Page>
  );
}
