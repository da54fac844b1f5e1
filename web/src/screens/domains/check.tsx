// A check's report (verifyDomain's verification, or the domain's lastCheck) in words: each
// check found right or what is missing, with casp's own detail (English), and the CAA report.
import { formatDate } from '../../i18n';
import { Badge, Notice } from '../../ui/common';
import type { Check, Domain, Report } from './shared';
import { t } from './strings';

function summary(check: Check, domain: Domain): string {
  const record = domain.instructions.record;
  const name = domain.domain;
  const host = name.includes(':') ? `[${name}]` : name;
  const url = `http://${host}/.well-known/acme-challenge/`;
  switch (check.check) {
    case 'cname': {
      const cname = { name: record?.name ?? `_acme-challenge.${name}`, value: record?.value ?? '' };
      if (check.ok) return t('cname_ok', cname);
      return check.detail.includes('another name') ? t('cname_other', cname)
        : t('cname_missing', cname);
    }
    case 'http-01':
      if (check.ok) return t('http_ok', { url });
      return check.detail.includes('no A or AAAA') ? t('http_noaddress', { name })
        : t('http_bad', { url });
    case 'dns-manual':
      return t('manual_ok');
    case 'dns-provider':
      return check.ok ? t('provider_ok') : t('provider_bad');
    case 'ownership':
      if (!check.ok) return t('ownership_bad', { name, record: domain.ownership.record.name });
      return check.detail.includes('proves') ? t('ownership_proved', { name })
        : t('ownership_ok', { name });
    case 'dns':
      return t('dns_bad');
    default:
      return t(check.ok ? 'other_ok' : 'other_bad', { check: check.check });
  }
}

export function CheckReport({ report, domain }: { report: Report; domain: Domain }) {
  const failed = report.checks.filter((c) => !c.ok);
  return (
    <div class="domain-report">
      {report.ok
        ? <Notice kind="success"><p>{t('allGood')}</p></Notice>
        : <Notice kind="warning"><p>{t('somethingMissing')}</p>
            <ul>{failed.map((c, i) => <li key={i}>{summary(c, domain)}</li>)}</ul></Notice>}
      {report.checked_at &&
        <p class="muted">{t('checkedAt', { when: formatDate(report.checked_at) })}</p>}
      <ul class="domain-checks">
        {report.checks.map((c, i) => (
          <li key={i} class={c.ok ? 'ok' : 'bad'}>
            <Badge kind={c.ok ? 'ok' : 'failed'}>{c.ok ? t('found') : t('missing')}</Badge>
            <div>
              <p class="domain-check-summary">{summary(c, domain)}</p>
              <p class="detail muted"><span>{t('caspSays')}</span> <span lang="en">{c.detail}</span></p>
            </div>
          </li>
        ))}
      </ul>
      <Caa report={report} name={domain.domain} />
    </div>
  );
}

function Caa({ report, name }: { report: Report; name: string }) {
  const caa = report.caa;
  let text;
  if (!caa) text = <p class="muted">{t('caaNone')}</p>;
  else if (caa.records.length === 0) text = <p>{t('caaEmpty', { name })}</p>;
  else if (caa.blocked.length === 0) text = <p>{t('caaAllowed', { owner: caa.owner ?? name })}</p>;
  else {
    text = <Notice kind="warning"><p>{t('caaBlocked', { owner: caa.owner ?? name,
                                                         cas: caa.blocked.join(', ') })}</p></Notice>;
  }
  return (
    <div class="domain-caa">
      <h3>{t('caa')}</h3>
      {text}
      {caa && caa.records.length > 0 &&
        <ul class="domain-caa-records">{caa.records.map((r) => <li key={r}><code>{r}</code></li>)}</ul>}
    </div>
  );
}
