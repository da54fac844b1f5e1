// #/domains/:id: one domain: what to set up for it (each value with a copy button), its
// ownership record, a check now with its findings and CAA report, its DNS credential, delete.
import './domains.css';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, gql } from '../../api';
import { useAction, useQuery } from '../../hooks';
import { setFlash } from '../../flash';
import { href, navigate } from '../../router';
import {
  Badge, CopyValue, DateTime, ErrorBox, Loading, Notice, Page, Select,
} from '../../ui/common';
import { CheckReport } from './check';
import {
  DOMAIN_FIELDS, StatusBadges, methodLabel, type DnsRecord, type Domain, type Report,
} from './shared';
import { t } from './strings';

interface Credential { id: number; label: string; provider: string; zone: string }

const DETAIL = `query Domain($id: Int!) { domain(id: $id) { ${DOMAIN_FIELDS} }
  dnsCredentials { id label provider zone } }`;

const VERIFY = `mutation VerifyDomain($id: Int!) { verifyDomain(id: $id) {
  ok verification domain { ${DOMAIN_FIELDS} } } }`;

const SET_CREDENTIAL = `mutation SetDomainDnsCredential($id: Int!, $dnsCredentialId: Int) {
  setDomainDnsCredential(id: $id, dnsCredentialId: $dnsCredentialId) { ${DOMAIN_FIELDS} } }`;

const DELETE = 'mutation DeleteDomain($id: Int!) { deleteDomain(id: $id) { message } }';

/** An action's error with casp's words shown even when it names a field (the screen has no
 * such field to show them at). */
function withoutFields(error: ApiError | null): ApiError | null {
  return error && Object.keys(error.fields).length > 0
    ? new ApiError(error.message, error.code, {}, error.retryAfter) : error;
}

function BackLink() {
  return <p class="domain-back"><a href={href('/domains')}>← {t('back')}</a></p>;
}

export function DomainDetail({ params }: { params: Record<string, string> }) {
  const valid = /^\d{1,9}$/.test(params.id ?? '');
  if (!valid) return <NotFound />;
  return <Detail id={Number(params.id)} />;
}

function NotFound() {
  return (
    <div class="domains-screen"><Page title={t('notFoundTitle')}>
      <div class="empty" role="status"><p>{t('notFound')}</p></div>
      <BackLink />
    </Page></div>
  );
}

function Detail({ id }: { id: number }) {
  const query = useQuery<{ domain: Domain; dnsCredentials: Credential[] }>(DETAIL, { id },
                                                                           [id]);
  const [domain, setDomain] = useState<Domain | null>(null);
  useEffect(() => {
    if (query.data) setDomain(query.data.domain);
  }, [query.data]);
  if (query.error?.code === 'NOT_FOUND') return <NotFound />;
  if (!domain) {
    return (
      <div class="domains-screen"><Page title={t('title')}>
        {query.loading && <Loading />}
        <ErrorBox error={query.error} onRetry={query.reload} />
        <BackLink />
      </Page></div>
    );
  }
  return <Loaded domain={domain} onDomain={setDomain}
                 credentials={query.data?.dnsCredentials ?? []} />;
}

function Loaded({ domain, onDomain, credentials }: {
  domain: Domain; onDomain: (d: Domain) => void; credentials: Credential[];
}) {
  const [report, setReport] = useState<Report | null>(domain.lastCheck);
  const verify = useAction(async () => {
    const data = await gql<{ verifyDomain: { ok: boolean; verification: Report;
                                             domain: Domain } }>(VERIFY, { id: domain.id });
    onDomain(data.verifyDomain.domain);
    setReport(data.verifyDomain.verification);
    return true;
  });
  const remove = useAction(async () => {
    await gql(DELETE, { id: domain.id });
    return true;
  });
  const del = async () => {
    if (!window.confirm(t('confirmDelete', { name: domain.domain }))) return;
    if (await remove.run()) {
      setFlash('deletedDomain', domain.domain);
      navigate('/domains');
    }
  };
  return (
    <div class="domains-screen"><Page title={domain.domain} actions={
      <button type="button" class="danger" onClick={del} disabled={remove.busy}>
        {remove.busy ? t('deleting') : t('delete')}</button>}>
      <BackLink />
      {remove.error?.code === 'VALIDATION_ERROR'
        ? <div class="notice error" role="alert">
            <p>{t('deleteRefused')}</p>
            <p class="detail"><span>{t('caspSays')}</span> <span lang="en">{remove.error.message}</span></p>
          </div>
        : <ErrorBox error={remove.error} />}
      <section class="card domain-card" aria-labelledby="domain-facts">
        <h2 id="domain-facts">{t('facts')}</h2>
        <dl class="facts">
          <dt>{t('status')}</dt><dd><StatusBadges domain={domain} /></dd>
          <dt>{t('method')}</dt><dd>{methodLabel(domain.verificationMethod)}</dd>
          <dt>{t('addedAt')}</dt><dd><DateTime value={domain.createdAt} /></dd>
          <dt>{t('verifiedAt')}</dt>
          <dd>{domain.verifiedAt ? <DateTime value={domain.verifiedAt} withRelative />
            : <span class="muted">{t('never')}</span>}</dd>
          <dt>{t('ownership')}</dt><dd>{t(domain.ownership.status)}</dd>
        </dl>
      </section>
      <Setup domain={domain} />
      <OwnershipRecord domain={domain} />
      <section class="card domain-card" aria-labelledby="domain-check">
        <h2 id="domain-check">{t('checkTitle')}</h2>
        <p>{t('checkIntro')}</p>
        <p>
          <button type="button" onClick={() => void verify.run()} disabled={verify.busy}>
            {verify.busy ? t('checking') : t('checkNow')}</button>
        </p>
        <ErrorBox error={withoutFields(verify.error)} />
        <div aria-live="polite" aria-busy={verify.busy ? 'true' : 'false'}>
          {verify.busy ? <Loading label={t('checking')} />
            : report ? <CheckReport report={report} domain={domain} />
              : <p class="muted">{t('notChecked')}</p>}
        </div>
      </section>
      {domain.verificationMethod === 'DNS_01' &&
        (credentials.length > 0 || domain.dnsCredentialId !== null) &&
        <CredentialChoice domain={domain} credentials={credentials} onDomain={onDomain} />}
    </Page></div>
  );
}

/** A DNS record as a small table: type, then name and value each with a copy button. */
export function RecordView({ record, what }: { record: DnsRecord; what: string }) {
  return (
    <dl class="facts domain-record">
      <dt>{t('recordType')}</dt><dd><code>{record.type}</code></dd>
      <dt>{t('recordName')}</dt>
      <dd><CopyValue value={record.name} label={t('copyName', { what })} /></dd>
      <dt>{t('recordValue')}</dt>
      <dd><CopyValue value={record.value} label={t('copyValue', { what })} /></dd>
    </dl>
  );
}

function isIp(name: string): boolean {
  return name.includes(':') || /^\d+(\.\d+){3}$/.test(name);
}

function Setup({ domain }: { domain: Domain }) {
  const how = domain.instructions;
  let body;
  if (how.method === 'http-01') {
    const host = domain.domain.includes(':') ? `[${domain.domain}]` : domain.domain;
    const url = `http://${host}${how.path ?? '/.well-known/acme-challenge/'}`;
    const proxy = /\bto (\S+\/\.well-known\/acme-challenge\/)$/.exec(how.how ?? '')?.[1];
    body = (
      <>
        <p>{isIp(domain.domain) ? t('httpIp') : t('http')}</p>
        <dl class="facts domain-record">
          <dt>{t('httpUrl')}</dt>
          <dd><CopyValue value={url} label={t('httpUrlLabel')} /></dd>
          {proxy && <><dt>{t('proxyTo')}</dt>
            <dd><CopyValue value={proxy} label={t('proxyToLabel')} /></dd></>}
        </dl>
      </>
    );
  } else if (how.mode === 'delegated' && how.record) {
    body = (
      <>
        <p>{t('delegated')}</p>
        <RecordView record={how.record} what={t('cnameRecord')} />
      </>
    );
  } else if (how.mode === 'dns_provider') {
    body = <p>{t('provider')}</p>;
  } else {
    body = <p>{t('manual')}</p>;
  }
  return (
    <section class="card domain-card" aria-labelledby="domain-setup">
      <h2 id="domain-setup">{t('setup')} <Badge kind="neutral">{how.method}</Badge></h2>
      {body}
    </section>
  );
}

function OwnershipRecord({ domain }: { domain: Domain }) {
  const own = domain.ownership;
  const text = own.status === 'PENDING' ? t('ownershipPending', { name: domain.domain })
    : own.status === 'VERIFIED'
      ? t('ownershipVerified', { name: domain.domain,
                                 how: own.method === 'CNAME' ? t('byCNAME') : t('byTXT') })
      : t('ownershipHeld', { name: domain.domain });
  return (
    <section class="card domain-card" aria-labelledby="domain-ownership">
      <h2 id="domain-ownership">{t('ownershipTitle')}</h2>
      {own.status === 'PENDING' ? <Notice kind="warning"><p>{text}</p></Notice> : <p>{text}</p>}
      <RecordView record={own.record} what={t('ownershipRecord')} />
    </section>
  );
}

function CredentialChoice({ domain, credentials, onDomain }: {
  domain: Domain; credentials: Credential[]; onDomain: (d: Domain) => void;
}) {
  const current = domain.dnsCredentialId === null ? '' : String(domain.dnsCredentialId);
  const [choice, setChoice] = useState(current);
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    const data = await gql<{ setDomainDnsCredential: Domain }>(SET_CREDENTIAL, {
      id: domain.id, dnsCredentialId: choice === '' ? null : Number(choice) });
    onDomain(data.setDomainDnsCredential);
    return true;
  });
  const options = [{ value: '', label: t('credentialNone') },
                   ...credentials.map((c) => ({ value: String(c.id),
                                                label: `${c.label} (${c.provider}, ${c.zone})` }))];
  if (current && !credentials.some((c) => String(c.id) === current)) {
    options.push({ value: current, label: t('credentialGone', { id: current }) });
  }
  const submit = async (e: Event) => {
    e.preventDefault();
    setSaved(false);
    if (await save.run()) setSaved(true);
  };
  return (
    <form class="card domain-card" onSubmit={submit} aria-labelledby="domain-credential">
      <h2 id="domain-credential">{t('credential')}</h2>
      <p class="muted">{t('credentialIntro')}</p>
      <ErrorBox error={withoutFields(save.error)} />
      <Select label={t('credential')} value={choice} options={options}
              onValue={(v) => { setChoice(v); setSaved(false); }} />
      <p class="domain-inline">
        <button type="submit" class="secondary" disabled={save.busy || choice === current}>
          {save.busy ? t('credentialSaving') : t('credentialSave')}</button>
        {saved && <span role="status" class="domain-saved">{t('credentialSaved')}</span>}
      </p>
    </form>
  );
}
