// The overview (#/): the welcome after sign-up, a get-started guide on the first run, then
// the counts of certificates by status, the renewal figures (by CA), the soonest expiries and
// a chart of the next 12 weeks' expiries. All of it from ONE GraphQL query (aliases).
import { useState } from 'preact/hooks';
import { takeFlash } from '../../flash';
import { useQuery } from '../../hooks';
import { formatNumber } from '../../i18n';
import { DateTime, Empty, ErrorBox, Loading, Page } from '../../ui/common';
import { Welcome } from '../auth/screens';
import { ExpiryChart, buckets } from './chart';
import { t } from './strings';
import './overview.css';

const STATUSES = ['ISSUED', 'PENDING', 'FAILED', 'EXPIRED', 'REVOKED'] as const;
type Status = typeof STATUSES[number];

interface Counts { successfulRenewals: number; pendingRenewals: number; failedRenewals: number }
interface Soon {
  id: number; domains: string[]; expiresAt: string | null; renewAt: string | null;
  autoRenew: boolean; caName: string;
}
type Totals = { [K in Status]: { total: number } };
interface OverviewData extends Totals {
  renewalStats: Counts & { nextRenewalAt: string | null; expiringWithin30Days: number;
                           byCa: (Counts & { caName: string })[] };
  domains: { total: number };
  all: { total: number };
  soonest: { certificates: Soon[] };
  upcoming: { certificates: { expiresAt: string | null }[]; total: number };
}

const CAP = 100;
const OVERVIEW = `query Overview {
  renewalStats {
    successfulRenewals pendingRenewals failedRenewals nextRenewalAt expiringWithin30Days
    byCa { caName successfulRenewals pendingRenewals failedRenewals }
  }
  domains { total }
  all: certificates(perPage: 1) { total }
${STATUSES.map((s) => `  ${s}: certificates(status: ${s}, perPage: 1) { total }`).join('\n')}
  soonest: certificates(order: EXPIRES_SOONEST, status: ISSUED, perPage: 5) {
    certificates { id domains expiresAt renewAt autoRenew caName }
  }
  upcoming: certificates(order: EXPIRES_SOONEST, status: ISSUED, perPage: ${CAP}) {
    certificates { expiresAt } total
  }
}`;

const KIND: Record<Status, string> = { ISSUED: 'ok', PENDING: 'pending', FAILED: 'failed',
                                       EXPIRED: 'expired', REVOKED: 'revoked' };

function GetStarted({ hasDomains }: { hasDomains: boolean }) {
  return (
    <section class="card get-started" aria-labelledby="get-started-title">
      <h2 id="get-started-title">{t('startTitle')}</h2>
      <p>{t('startIntro')}</p>
      <ol>
        <li class={hasDomains ? 'done' : ''}>
          <a href="#/domains">{t('step1')}</a>
          {hasDomains && <span class="muted"> {t('done')}</span>}
          <p class="hint">{t('step1Hint')}</p>
        </li>
        <li>
          <a href="#/certificates/new">{t('step2')}</a>
          <p class="hint">{t('step2Hint')}</p>
        </li>
        <li>
          <span class="step-name">{t('step3')}</span>
          <p class="hint">{t('step3Hint')}</p>
        </li>
      </ol>
    </section>
  );
}

function StatusCounts({ data }: { data: OverviewData }) {
  return (
    <section aria-labelledby="counts-title">
      <h2 id="counts-title">{t('certificates')}</h2>
      <ul class="overview-counts">
        <li class="card"><span class="stat">{formatNumber(data.all.total)}</span>
          <span>{t('total')}</span></li>
        {STATUSES.map((s) => (
          <li class={`card count-${KIND[s]}`} key={s} data-status={s}>
            <span class="stat">{formatNumber(data[s].total)}</span> <span>{t(s)}</span></li>
        ))}
        <li class="card"><span class="stat">{formatNumber(data.domains.total)}</span>
          <span>{t('domains')}</span></li>
      </ul>
    </section>
  );
}

function Renewals({ stats }: { stats: OverviewData['renewalStats'] }) {
  const used = stats.byCa.filter((c) => c.successfulRenewals || c.pendingRenewals ||
                                        c.failedRenewals);
  return (
    <section class="card" aria-labelledby="renewals-title">
      <h2 id="renewals-title">{t('renewals')}</h2>
      <dl class="facts">
        <dt>{t('successful')}</dt><dd>{formatNumber(stats.successfulRenewals)}</dd>
        <dt>{t('pendingRenewals')}</dt><dd>{formatNumber(stats.pendingRenewals)}</dd>
        <dt>{t('failedRenewals')}</dt><dd>{formatNumber(stats.failedRenewals)}</dd>
        <dt>{t('nextRenewal')}</dt>
        <dd>{stats.nextRenewalAt ? <DateTime value={stats.nextRenewalAt} withRelative />
          : <span class="muted">{t('noneScheduled')}</span>}</dd>
        <dt>{t('expiring30')}</dt><dd>{formatNumber(stats.expiringWithin30Days)}</dd>
      </dl>
      {used.length ? (
        <div class="table-wrap">
          <table class="responsive">
            <caption class="visually-hidden">{t('byCa')}</caption>
            <thead><tr>
              <th scope="col">{t('ca')}</th><th scope="col">{t('successful')}</th>
              <th scope="col">{t('pendingRenewals')}</th><th scope="col">{t('failedRenewals')}</th>
            </tr></thead>
            <tbody>
              {used.map((c) => (
                <tr key={c.caName}>
                  <td data-label={t('ca')}>{c.caName}</td>
                  <td data-label={t('successful')}>{formatNumber(c.successfulRenewals)}</td>
                  <td data-label={t('pendingRenewals')}>{formatNumber(c.pendingRenewals)}</td>
                  <td data-label={t('failedRenewals')}>{formatNumber(c.failedRenewals)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : <p class="muted">{t('noRenewals')}</p>}
    </section>
  );
}

function Soonest({ certificates }: { certificates: Soon[] }) {
  return (
    <section class="card" aria-labelledby="soonest-title">
      <h2 id="soonest-title">{t('soonest')}</h2>
      {certificates.length === 0 ? <Empty><p>{t('noIssued')}</p></Empty> : (
        <div class="table-wrap">
          <table class="responsive">
            <thead><tr>
              <th scope="col">{t('names')}</th><th scope="col">{t('expires')}</th>
              <th scope="col">{t('renews')}</th>
            </tr></thead>
            <tbody>
              {certificates.map((c) => (
                <tr key={c.id}>
                  <td data-label={t('names')}>
                    <a href={`#/certificates/${c.id}`}>{c.domains[0]}</a>
                    {c.domains.length > 1 &&
                      <span class="muted"> {t('more', { n: formatNumber(c.domains.length - 1) })}</span>}
                  </td>
                  <td data-label={t('expires')}><DateTime value={c.expiresAt} withRelative /></td>
                  <td data-label={t('renews')}>{c.autoRenew ? <DateTime value={c.renewAt} />
                    : <span class="muted">{t('manual')}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p><a href="#/certificates">{t('viewAll')}</a></p>
    </section>
  );
}

export function Overview() {
  const [welcome] = useState(() => takeFlash('welcome')); // right after sign-up only
  const overview = useQuery<OverviewData>(OVERVIEW);
  const data = overview.data;
  const firstRun = data !== null && data.all.total === 0;
  return (
    <Page title={t('title')} actions={data &&
      <button type="button" class="secondary" aria-disabled={overview.loading ? 'true' : undefined}
              onClick={() => overview.loading || overview.reload()}>{t('refresh')}</button>}>
      {welcome && <Welcome email={welcome} />}
      <ErrorBox error={overview.error} onRetry={overview.reload} />
      {!data && overview.loading && <Loading />}
      {data && firstRun && <GetStarted hasDomains={data.domains.total > 0} />}
      {data && !firstRun && (
        <>
          <StatusCounts data={data} />
          <section class="card" aria-labelledby="chart-title">
            <h2 id="chart-title">{t('chart')}</h2>
            <ExpiryChart weeks={buckets(data.upcoming.certificates.map((c) => c.expiresAt))} />
            {data.upcoming.total > CAP && <p class="hint">{t('chartCapped')}</p>}
          </section>
          <div class="overview-columns">
            <Soonest certificates={data.soonest.certificates} />
            <Renewals stats={data.renewalStats} />
          </div>
        </>
      )}
    </Page>
  );
}
