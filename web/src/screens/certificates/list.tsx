// #/certificates: your certificates, soonest expiry first, with filters, search and pages.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useQuery } from '../../hooks';
import { formatNumber } from '../../i18n';
import { navigate } from '../../router';
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

/** The list's filters, search, order and page, as kept in the address
 * (#/certificates?status=ISSUED&page=2): Back from a certificate returns to the same list. */
interface View { status: string; ca: string; search: string; order: string; page: number }

function fromQuery(query: URLSearchParams): View {
  const status = query.get('status') ?? '';
  const page = Number(query.get('page') ?? '1');
  return {
    status: (STATUSES as readonly string[]).includes(status) ? status : '',
    ca: query.get('ca') ?? '',
    search: (query.get('search') ?? '').trim(),
    order: query.get('order') === 'NEWEST' ? 'NEWEST' : 'EXPIRES_SOONEST',
    page: Number.isInteger(page) && page > 1 ? page : 1,
  };
}

function toQuery(view: View): Record<string, string> {
  const query: Record<string, string> = {};
  if (view.status) query.status = view.status;
  if (view.ca) query.ca = view.ca;
  if (view.search) query.search = view.search;
  if (view.order !== 'EXPIRES_SOONEST') query.order = view.order;
  if (view.page > 1) query.page = String(view.page);
  return query;
}

export function CertificatesList({ query }: { query?: URLSearchParams }) {
  const [start] = useState(() => fromQuery(query ?? new URLSearchParams()));
  const [status, setStatus] = useState(start.status);
  const [ca, setCa] = useState(start.ca);
  const [typed, setTyped] = useState(start.search);
  const [search, setSearch] = useState(start.search);
  const [order, setOrder] = useState(start.order);
  const [page, setPage] = useState(start.page);
  const wanted = new URLSearchParams(toQuery({ status, ca, search, order, page })).toString();
  const incoming = query?.toString() ?? '';
  // The addresses this screen wrote since the address last matched the view: their
  // hashchange echoes (which may come after a newer choice) are not changes from outside.
  const written = useRef(new Set([incoming]));
  useEffect(() => { // the view into the address, replacing its entry (no history per click)
    written.current.add(wanted);
    if (wanted !== incoming) navigate('/certificates', Object.fromEntries(new URLSearchParams(wanted)), true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [wanted]);
  useEffect(() => { // the address changed from outside (a link to #/certificates): follow it
    if (incoming === wanted) {
      written.current = new Set([incoming]);
      return;
    }
    if (written.current.has(incoming)) return; // our own echo
    written.current = new Set([incoming]);
    const view = fromQuery(query ?? new URLSearchParams());
    setStatus(view.status);
    setCa(view.ca);
    setTyped(view.search);
    setSearch(view.search);
    setOrder(view.order);
    setPage(view.page);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [incoming]);
  useEffect(() => { // debounced: one request when the typing pauses
    if (typed.trim() === search) return undefined;
    const timer = window.setTimeout(() => {
      setSearch(typed.trim());
      setPage(1);
    }, 350);
    return () => window.clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [typed]);
  const q = useQuery<Data>(LIST, {
    status: status || null, caName: ca || null, search: search || null, page,
    perPage: PER_PAGE, order,
  }, [status, ca, search, order, page]);
  const filtered = Boolean(status || ca || search);
  const list = q.data?.certificates;
  useEffect(() => { // a page past the end (an old address, fewer certificates): the last one
    if (list && page > Math.max(1, list.pages)) setPage(Math.max(1, list.pages));
  }, [list, page]);
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
                      <span class="muted"> {t('moreNames', { n: formatNumber(c.domains.length - 1) })}</span>}
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
            <span>{t('pageOf', { page: formatNumber(list.page), pages: formatNumber(list.pages) })}</span>
            <button type="button" class="secondary small" disabled={page >= list.pages}
                    onClick={() => setPage(page + 1)}>{t('next')}</button>
          </nav>}
      </>}
    </Page>
  );
}
