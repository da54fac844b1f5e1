// #/certificates/:id: one certificate, followed live stage by stage (certificateEvents),
// with the DNS records to add, the downloads, renew, revoke, delete and its history.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, gql, subscribe } from '../../api';
import { useAction } from '../../hooks';
import { formatDate } from '../../i18n';
import { navigate } from '../../router';
import {
  CopyValue, DateTime, Empty, ErrorBox, Field, Loading, Notice, Page, Select,
} from '../../ui/common';
import { ExpiryBadge, StatusBadge, caTitle, stageLabel, type Status } from './parts';
import { t, type Key } from './strings';

const FIELDS = `fragment Cert on Certificate {
  id domains caName caProvider challengeType keyType profile status stage autoRenew
  issuedAt expiresAt serial fingerprintSha256 issuer lastError revokedAt createdAt renewAt
  dnsRecords { name type value }
  renewalWindow { start end }
  history { serial issuedAt expiresAt replacedAt }
}`;

const DETAIL = `query Certificate($id: Int!) {
  certificate(id: $id) { ...Cert }
  deployments(certificateId: $id) { targetId targetName kind serial deployedAt lastError upToDate }
  caProviders { caName title }
}
${FIELDS}`;

const EVENTS = `subscription Follow($id: Int!) {
  certificateEvents(id: $id) { status stage changed at certificate { ...Cert } }
}
${FIELDS}`;

interface Cert {
  id: number; domains: string[]; caName: string; caProvider: string; challengeType: string;
  keyType: string; profile: string | null; status: Status; stage: string; autoRenew: boolean;
  issuedAt: string | null; expiresAt: string | null; serial: string | null;
  fingerprintSha256: string | null; issuer: string | null;
  lastError: Record<string, unknown> | null; revokedAt: string | null; createdAt: string;
  renewAt: string | null; dnsRecords: { name: string; type: string; value: string }[] | null;
  renewalWindow: { start: string; end: string } | null;
  history: { serial: string; issuedAt: string; expiresAt: string; replacedAt: string }[];
}
interface Deployment {
  targetId: number; targetName: string; kind: string; serial: string | null;
  deployedAt: string | null; lastError: string | null; upToDate: boolean;
}
interface Data {
  certificate: Cert; deployments: Deployment[]; caProviders: { caName: string; title: string }[];
}
interface Event {
  certificateEvents: { status: string; stage: string; changed: string[]; at: string;
                       certificate: Cert | null };
}
interface Seen { at: string; status: string; stage: string }

const FORMATS = ['FULLCHAIN', 'PEM', 'KEY', 'PFX', 'ZIP'] as const;
const REASONS = ['UNSPECIFIED', 'KEY_COMPROMISE', 'AFFILIATION_CHANGED', 'SUPERSEDED',
                 'CESSATION_OF_OPERATION'] as const;

function steps(cert: Cert): string[] {
  const manual = cert.challengeType !== 'HTTP_01' &&
    (cert.stage === 'awaiting_dns' || (cert.dnsRecords?.length ?? 0) > 0);
  return ['queued', 'key_ready', 'authorizing', ...(manual ? ['awaiting_dns'] : []), 'done'];
}

function Stages({ cert }: { cert: Cert }) {
  const all = steps(cert);
  const failed = cert.stage === 'failed' || cert.stage === 'renewal_failed';
  const at = all.indexOf(cert.stage);
  return (
    <ol class="stages cert-stages" aria-label={t('progress')}>
      {all.map((s, i) => {
        const finished = !failed && (i < at || (s === 'done' && at === i));
        const current = !failed && i === at && s !== 'done';
        return (
          <li key={s} class={finished ? 'done' : current ? 'current' : ''}
              aria-current={current ? 'step' : undefined}>
            {finished && <span aria-hidden="true">✓ </span>}{stageLabel(s)}
            {/* Not by colour alone: what a screen reader says of each step. */}
            {finished && <span class="visually-hidden"> ({t('stepDone')})</span>}
            {!finished && !current && <span class="visually-hidden"> ({t('stepToCome')})</span>}
          </li>
        );
      })}
      {failed && <li class="failed" aria-current="step">{stageLabel(cert.stage)}</li>}
    </ol>
  );
}

function download(name: string, type: string, base64: string): void {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

function LastError({ error }: { error: Record<string, unknown> }) {
  const detail = typeof error.detail === 'string' ? error.detail : null;
  const type = typeof error.type === 'string' ? error.type : null;
  return (
    <div class="notice error" role="alert">
      <h2 class="inline-heading">{t('lastError')}</h2>
      <p>{t('lastErrorHint')}</p>
      <dl class="facts">
        {detail && <><dt>{t('errorDetail')}</dt><dd lang="en">{detail}</dd></>}
        {type && <><dt>{t('errorType')}</dt><dd><code>{type}</code></dd></>}
      </dl>
      {!detail && !type && <pre lang="en">{JSON.stringify(error, null, 2)}</pre>}
    </div>
  );
}

export function CertificateDetail({ params }: { params: Record<string, string> }) {
  const id = /^\d{1,9}$/.test(params.id ?? '') ? Number(params.id) : null;
  const [data, setData] = useState<Data | null>(null);
  const [cert, setCert] = useState<Cert | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [round, setRound] = useState(0);
  const [live, setLive] = useState<'off' | 'on' | 'lost'>('off');
  const [seen, setSeen] = useState<Seen[]>([]);
  const [announce, setAnnounce] = useState('');
  const [gone, setGone] = useState(false);
  const [connection, setConnection] = useState(0); // a new one on Reconnect
  // Set while this page deletes the certificate: the event saying it is gone is then
  // expected (the page goes to the list), not "not found".
  const leaving = useRef(false);
  const loaded = data !== null;

  useEffect(() => {
    if (id === null) return undefined;
    let cancelled = false;
    setError(null);
    gql<Data>(DETAIL, { id }).then((d) => {
      if (cancelled) return;
      setData(d);
      setCert(d.certificate);
    }, (e: ApiError) => !cancelled && setError(e));
    return () => {
      cancelled = true;
    };
  }, [id, round]);

  useEffect(() => { // followed live once loaded; again on Reconnect
    if (id === null || !loaded) return undefined;
    return subscribe<Event>(EVENTS, { id }, {
      next: ({ certificateEvents: e }) => {
        setLive('on');
        if (!e.certificate) {
          if (!leaving.current) setGone(true);
          return;
        }
        setCert(e.certificate);
        if (e.changed.includes('STATUS') || e.changed.includes('STAGE')) {
          setSeen((list) => [...list, { at: e.at, status: e.status, stage: e.stage }]);
          setAnnounce(t('announceStatus', { status: t(e.status as Key) ?? e.status,
                                             stage: stageLabel(e.stage) }));
        }
      },
      error: () => setLive('lost'),
    });
  }, [id, loaded, connection]);

  if (id === null || gone || error?.code === 'NOT_FOUND') {
    return (
      <Page title={t('notFoundTitle')}>
        <Empty><p>{t('notFoundText')}</p>
          <p><a class="button" href="#/certificates">{t('backToList')}</a></p></Empty>
      </Page>
    );
  }
  if (!cert || !data) {
    return (
      <Page title={t('listTitle')}>
        <ErrorBox error={error} onRetry={() => setRound((r) => r + 1)} />
        {!error && <Loading />}
      </Page>
    );
  }
  return <Detail cert={cert} data={data} setCert={setCert} live={live} seen={seen}
                 announce={announce} leaving={(on) => {
                   leaving.current = on;
                 }} reconnect={() => {
                   setLive('off');
                   setConnection((n) => n + 1);
                 }} />;
}

function Detail({ cert, data, setCert, live, seen, announce, leaving, reconnect }: {
  cert: Cert; data: Data; setCert: (c: Cert) => void; live: 'off' | 'on' | 'lost';
  seen: Seen[]; announce: string; leaving: (on: boolean) => void; reconnect: () => void;
}) {
  const [password, setPassword] = useState('');
  const [reason, setReason] = useState('UNSPECIFIED');
  const [message, setMessage] = useState('');
  // Renew (disabled while renewing) and revoke (its block goes) send focus to their result.
  const [focusMessage, setFocusMessage] = useState(false);
  const name = cert.domains[0];
  const renewing = cert.status === 'ISSUED' && !['done', 'renewal_failed'].includes(cert.stage);
  const hasFiles = cert.serial !== null && ['ISSUED', 'EXPIRED', 'REVOKED'].includes(cert.status);
  const needsDns = (cert.dnsRecords?.length ?? 0) > 0 &&
    (cert.status === 'PENDING' || cert.stage === 'awaiting_dns');

  const fetchFile = useAction(async (format: string) => {
    const d = await gql<{ certificateDownload: { filename: string; contentType: string;
                                                 contentBase64: string } }>(
      `query Download($id: Int!, $format: DownloadFormat, $password: String) {
        certificateDownload(id: $id, format: $format, password: $password) {
          filename contentType contentBase64 } }`,
      { id: cert.id, format, password: format === 'PFX' && password ? password : null });
    const file = d.certificateDownload;
    download(file.filename, file.contentType, file.contentBase64);
    setFocusMessage(false);
    setMessage(t('downloaded', { file: file.filename }));
    return true;
  });
  const verify = useAction(async () => {
    const d = await gql<{ verifyCertificate: Cert }>(
      `mutation Verify($id: Int!) { verifyCertificate(id: $id) { ...Cert } } ${FIELDS}`,
      { id: cert.id });
    setCert(d.verifyCertificate);
    setFocusMessage(false);
    setMessage(t('checkSent'));
    return true;
  });
  const renew = useAction(async () => {
    setMessage('');
    const d = await gql<{ renewCertificate: { finished: boolean; certificate: Cert } }>(
      `mutation Renew($id: Int!) { renewCertificate(id: $id) { finished certificate { ...Cert } } }
       ${FIELDS}`, { id: cert.id });
    setCert(d.renewCertificate.certificate);
    setFocusMessage(true);
    setMessage(d.renewCertificate.finished ? t('renewDone') : t('renewStarted'));
    return true;
  });
  const revoke = useAction(async () => {
    const d = await gql<{ revokeCertificate: Cert }>(
      `mutation Revoke($id: Int!, $reason: RevocationReason) {
        revokeCertificate(id: $id, reason: $reason) { ...Cert } } ${FIELDS}`,
      { id: cert.id, reason });
    setCert(d.revokeCertificate);
    setFocusMessage(true);
    setMessage(t('revoked'));
    return true;
  });
  const remove = useAction(async () => {
    await gql(`mutation Delete($id: Int!) { deleteCertificate(id: $id) { message } }`,
              { id: cert.id });
    return true;
  });

  return (
    <Page title={t('detailTitle', { name })}
          actions={<a class="button secondary" href="#/certificates">{t('backToList')}</a>}>
      <div class="visually-hidden" role="status" aria-live="polite" data-testid="announcer">
        {announce}</div>
      <section class="card" aria-labelledby="cert-progress">
        <div class="cert-head">
          <h2 id="cert-progress" class="inline-heading">{t('progress')}</h2>
          <span data-testid="cert-status"><StatusBadge status={cert.status} /></span>
          <ExpiryBadge expiresAt={cert.expiresAt} renewAt={cert.renewAt} status={cert.status} />
          {live === 'on' && (cert.status === 'PENDING' || renewing) &&
            <span class="live-dot muted"><span aria-hidden="true" class="dot" />{t('live')}</span>}
        </div>
        <Stages cert={cert} />
        {renewing && <p class="muted">{t('renewing')}</p>}
        {live === 'lost' && <div class="notice warning" role="status">
          <p>{t('liveLost')}</p>
          <button type="button" class="secondary small" onClick={reconnect}>{t('reconnect')}</button>
        </div>}
        <h3>{t('activity')}</h3>
        {seen.length === 0 ? <p class="muted">{t('activityEmpty')}</p>
          : <ol class="activity" data-testid="activity">
              {seen.map((s, i) => (
                <li key={i}><time dateTime={s.at}>{formatDate(s.at)}</time>{' '}
                  <strong>{t(s.status as Key) ?? s.status}</strong> · {stageLabel(s.stage)}</li>
              ))}
            </ol>}
      </section>

      {message && <Notice kind="success" focus={focusMessage}><p>{message}</p></Notice>}
      {cert.lastError && <LastError error={cert.lastError} />}

      {needsDns &&
        <section class="card" aria-labelledby="cert-dns">
          <h2 id="cert-dns" class="inline-heading">{t('dnsTitle')}</h2>
          <p>{t('dnsIntro')}</p>
          {cert.dnsRecords!.map((r, i) => (
            <div class="dns-record" key={i}>
              <p class="muted">{t('recordType')}: <code>{r.type}</code></p>
              <p class="label">{t('recordName')}</p>
              <CopyValue value={r.name} label={`${t('recordName')} ${i + 1}`} />
              <p class="label">{t('recordValue')}</p>
              <CopyValue value={r.value} label={`${t('recordValue')} ${i + 1}`} />
            </div>
          ))}
          <ErrorBox error={verify.error} />
          <button type="button" disabled={verify.busy} onClick={() => verify.run()}>
            {verify.busy ? t('checking') : t('checkNow')}</button>
        </section>}

      <section class="card" aria-labelledby="cert-facts">
        <h2 id="cert-facts" class="inline-heading">{t('overview')}</h2>
        <dl class="facts">
          <dt>{t('names')}</dt>
          <dd><ul class="plain">{cert.domains.map((d) => <li key={d}><code>{d}</code></li>)}</ul></dd>
          <dt>{t('ca')}</dt><dd>{caTitle(data.caProviders, cert.caName)}</dd>
          <dt>{t('challengeShort')}</dt><dd>{t(`ch_${cert.challengeType}` as Key) ?? cert.challengeType}</dd>
          <dt>{t('keyType')}</dt><dd>{t(`kt_${cert.keyType}` as Key) ?? cert.keyType}</dd>
          {cert.profile && <><dt>{t('profile')}</dt><dd>{cert.profile}</dd></>}
          <dt>{t('created')}</dt><dd><DateTime value={cert.createdAt} /></dd>
          {cert.issuedAt && <><dt>{t('issuedAt')}</dt><dd><DateTime value={cert.issuedAt} /></dd></>}
          {cert.expiresAt && <><dt>{t('expiresAt')}</dt>
            <dd><DateTime value={cert.expiresAt} withRelative /></dd></>}
          {cert.serial && <><dt>{t('serial')}</dt>
            <dd><code data-testid="serial">{cert.serial}</code></dd></>}
          {cert.issuer && <><dt>{t('issuer')}</dt><dd>{cert.issuer}</dd></>}
          {cert.fingerprintSha256 && <><dt>{t('fingerprint')}</dt>
            <dd><code class="wrap">{cert.fingerprintSha256}</code></dd></>}
          {cert.revokedAt && <><dt>{t('revokedAt')}</dt><dd><DateTime value={cert.revokedAt} /></dd></>}
          <dt>{t('autoRenewShort')}</dt><dd>{cert.autoRenew ? t('on') : t('off')}</dd>
          {cert.renewAt && <><dt>{t('renewAt')}</dt>
            <dd><DateTime value={cert.renewAt} withRelative /></dd></>}
          {cert.renewalWindow && <><dt>{t('renewalWindow')}</dt>
            <dd>{t('windowRange', { start: formatDate(cert.renewalWindow.start),
                                    end: formatDate(cert.renewalWindow.end) })}</dd></>}
        </dl>
      </section>

      {hasFiles &&
        <section class="card" aria-labelledby="cert-downloads">
          <h2 id="cert-downloads" class="inline-heading">{t('downloads')}</h2>
          <p class="muted">{t('downloadsHint')}</p>
          <ErrorBox error={fetchFile.error} />
          <div class="downloads">
            {FORMATS.filter((f) => f !== 'PFX').map((f) => (
              <button type="button" class="secondary" key={f} disabled={fetchFile.busy}
                      onClick={() => fetchFile.run(f)}>{t(`dl_${f}`)}</button>
            ))}
          </div>
          <div class="pfx">
            <Field label={t('pfxPassword')} type="password" autoComplete="new-password"
                   value={password} onValue={setPassword} hint={t('pfxHint')} />
            <button type="button" class="secondary" disabled={fetchFile.busy}
                    onClick={() => fetchFile.run('PFX')}>{t('dl_PFX')}</button>
          </div>
        </section>}

      <section class="card" aria-labelledby="cert-manage">
        <h2 id="cert-manage" class="inline-heading">{t('manage')}</h2>
        {(cert.status === 'ISSUED' || cert.status === 'EXPIRED') &&
          <div class="manage-block">
            <ErrorBox error={renew.error} />
            <button type="button" disabled={renew.busy || renewing}
                    onClick={() => renew.run()}>
              {renew.busy ? t('renewingNow') : t('renew')}</button>
          </div>}
        {cert.status === 'ISSUED' &&
          <div class="manage-block">
            <h3>{t('revokeTitle')}</h3>
            <p class="muted">{t('revokeHint')}</p>
            <ErrorBox error={revoke.error} />
            <Select label={t('reason')} value={reason} onValue={setReason}
                    options={REASONS.map((r) => ({ value: r, label: t(`r_${r}`) }))} />
            <button type="button" class="danger" disabled={revoke.busy}
                    onClick={() => {
                      if (window.confirm(t('revokeConfirm', { name }))) void revoke.run();
                    }}>{revoke.busy ? t('revoking') : t('revoke')}</button>
          </div>}
        <div class="manage-block">
          <h3>{t('delete')}</h3>
          <p class="muted">{t('deleteHint')}</p>
          <ErrorBox error={remove.error} />
          <button type="button" class="danger" disabled={remove.busy}
                  onClick={async () => {
                    if (!window.confirm(t('deleteConfirm', { name }))) return;
                    leaving(true);
                    if (await remove.run()) navigate('/certificates');
                    else leaving(false);
                  }}>{remove.busy ? t('deleting') : t('delete')}</button>
        </div>
      </section>

      <section class="card" aria-labelledby="cert-history">
        <h2 id="cert-history" class="inline-heading">{t('history')}</h2>
        {cert.history.length === 0 ? <p class="muted">{t('historyEmpty')}</p> :
          <div class="table-wrap">
            <table class="responsive">
              <thead><tr>
                <th scope="col">{t('serial')}</th><th scope="col">{t('issuedAt')}</th>
                <th scope="col">{t('expiresAt')}</th><th scope="col">{t('replacedAt')}</th>
              </tr></thead>
              <tbody>
                {cert.history.map((h) => (
                  <tr key={h.serial}>
                    <td data-label={t('serial')}><code class="wrap">{h.serial}</code></td>
                    <td data-label={t('issuedAt')}><DateTime value={h.issuedAt} /></td>
                    <td data-label={t('expiresAt')}><DateTime value={h.expiresAt} /></td>
                    <td data-label={t('replacedAt')}><DateTime value={h.replacedAt} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>}
      </section>

      <section class="card" aria-labelledby="cert-deploy">
        <h2 id="cert-deploy" class="inline-heading">{t('deployments')}</h2>
        {data.deployments.length === 0 ? <p class="muted">{t('deploymentsEmpty')}</p> :
          <ul class="plain">
            {data.deployments.map((d) => (
              <li key={d.targetId}>
                <strong>{d.targetName}</strong> <span class="muted">({t(`kind_${d.kind}` as Key) ?? d.kind})</span>{' '}
                {d.deployedAt && <DateTime value={d.deployedAt} />}{' '}
                <span class={`badge ${d.upToDate ? 'ok' : 'pending'}`}>
                  {d.upToDate ? t('upToDate') : t('outdated')}</span>
                {d.lastError && <p class="field-error" lang="en">{d.lastError}</p>}
              </li>
            ))}
          </ul>}
      </section>
    </Page>
  );
}
