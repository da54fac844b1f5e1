// #/settings/deployments: deployment targets (SSH, webhook): list, create, edit, delete, check
// the TLS service, deploy now; and the recent deployments. Keys and secrets are never shown.
import { Fragment, type ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { gql } from '../../api';
import { useAction, useQuery } from '../../hooks';
import { formatNumber, plural, strings } from '../../i18n';
import { Badge, Checkbox, CopyButton, DateTime, Empty, ErrorBox, Field, Loading, Notice, Select,
         fieldError } from '../../ui/common';
import { FormError, MaskedSecret, SettingsPage, TextArea } from './frame';

const t = strings({
  title: 'Deployment targets',
  intro: 'casp copies certificates to your servers when they are issued and after each renewal. Attach a certificate to a target on the certificate\'s page.',
  listTitle: 'Your targets',
  none: 'No deployment targets yet. Create one below.',
  SSH: 'SSH (SFTP upload)',
  WEBHOOK: 'Webhook',
  name: 'Name',
  kind: 'Kind',
  host: 'Host',
  port: 'Port',
  username: 'User name',
  privateKey: 'Private key',
  privateKeyHint: 'An unencrypted private key, OpenSSH or PEM. Stored encrypted and never shown.',
  privateKeyKeep: 'Leave it empty to keep the stored key.',
  hostKey: 'Host key',
  hostKeyHint: 'The server\'s public host key. Left empty, the first one seen is pinned.',
  fullchainPath: 'Full chain path',
  keyPath: 'Key path',
  fullchainMode: 'Full chain file mode',
  keyMode: 'Key file mode',
  modeHint: 'Octal, such as 0644.',
  reloadCommand: 'Reload command',
  reloadHint: 'Run after each upload, such as: sudo systemctl reload nginx',
  url: 'URL',
  urlHint: 'casp POSTs to it, signed: X-Casp-Signature: sha256=HMAC-SHA256(body).',
  includeCertificate: 'Include the full chain and the private key in the POST',
  webhookSecret: 'Webhook secret',
  webhookSecretHint: '16 to 200 characters. Left empty, casp makes one (or keeps the current one).',
  checkHost: 'Check host',
  checkPort: 'Check port',
  checkHint: 'The TLS service that "Check" connects to (port 443 by default).',
  certificates: 'Certificates attached',
  created: 'Created',
  updated: 'Updated',
  createTitle: 'Create a target',
  create: 'Create target',
  creating: 'Creating…',
  createdOk: 'Created "{name}".',
  edit: 'Edit',
  editLabel: 'Edit {name}',
  editTitle: 'Edit {name}',
  save: 'Save changes',
  saving: 'Saving…',
  cancel: 'Cancel',
  savedOk: 'Saved "{name}".',
  remove: 'Delete',
  removeLabel: 'Delete {name}',
  confirmDelete: 'Delete the deployment target "{name}"? Files already deployed stay where they are.',
  deletedOk: 'Deleted "{name}".',
  check: 'Check',
  checkLabel: 'Check {name}',
  checking: 'Checking…',
  deploy: 'Deploy now',
  deployLabel: 'Deploy now to {name}',
  deploying: 'Starting…',
  deployStarted_one: 'Deploying {n} certificate in the background. See the recent deployments below.',
  deployStarted_other: 'Deploying {n} certificates in the background. See the recent deployments below.',
  deployNothing: 'No issued certificate is attached to this target: attach one on a certificate\'s page.',
  reachable: 'Reachable',
  unreachable: 'Not reachable',
  checked: 'Checked {host}:{port}',
  serial: 'Serial presented',
  expires: 'Expires',
  matches: 'Matches certificate',
  noMatch: 'None of the attached certificates',
  recentTitle: 'Recent deployments',
  recentNone: 'Nothing deployed yet.',
  refresh: 'Refresh',
  target: 'Target',
  certificate: 'Certificate',
  deployedAt: 'Deployed',
  lastAttempt: 'Last attempt',
  state: 'State',
  upToDate: 'Up to date',
  outdated: 'Not deployed yet',
  failed: 'Failed ({n} in a row)',
  secret: 'Secret',
  yes: 'Yes',
  no: 'No',
}, {
  title: '部署目标',
  intro: '证书签发后以及每次续期后，casp 会把证书复制到您的服务器。请在证书页面把证书关联到目标。',
  listTitle: '您的目标',
  none: '还没有部署目标，请在下方创建。',
  SSH: 'SSH（SFTP 上传）',
  WEBHOOK: 'Webhook',
  name: '名称',
  kind: '类型',
  host: '主机',
  port: '端口',
  username: '用户名',
  privateKey: '私钥',
  privateKeyHint: '未加密的私钥，OpenSSH 或 PEM 格式。加密保存，不会再显示。',
  privateKeyKeep: '留空则保留已保存的私钥。',
  hostKey: '主机密钥',
  hostKeyHint: '服务器的公钥。留空则固定首次连接时看到的主机密钥。',
  fullchainPath: '完整证书链路径',
  keyPath: '私钥路径',
  fullchainMode: '证书链文件权限',
  keyMode: '私钥文件权限',
  modeHint: '八进制，例如 0644。',
  reloadCommand: '重载命令',
  reloadHint: '每次上传后执行，例如：sudo systemctl reload nginx',
  url: 'URL',
  urlHint: 'casp 会向它发送带签名的 POST：X-Casp-Signature: sha256=HMAC-SHA256(body)。',
  includeCertificate: '在 POST 中包含完整证书链和私钥',
  webhookSecret: 'Webhook 密钥',
  webhookSecretHint: '16 到 200 个字符。留空则由 casp 生成（或保留当前密钥）。',
  checkHost: '检查主机',
  checkPort: '检查端口',
  checkHint: '“检查”时连接的 TLS 服务（默认端口 443）。',
  certificates: '已关联证书',
  created: '创建时间',
  updated: '更新时间',
  createTitle: '创建目标',
  create: '创建目标',
  creating: '正在创建…',
  createdOk: '已创建“{name}”。',
  edit: '编辑',
  editLabel: '编辑 {name}',
  editTitle: '编辑 {name}',
  save: '保存更改',
  saving: '正在保存…',
  cancel: '取消',
  savedOk: '已保存“{name}”。',
  remove: '删除',
  removeLabel: '删除 {name}',
  confirmDelete: '要删除部署目标“{name}”吗？已部署的文件会保留在原处。',
  deletedOk: '已删除“{name}”。',
  check: '检查',
  checkLabel: '检查 {name}',
  checking: '正在检查…',
  deploy: '立即部署',
  deployLabel: '立即部署到 {name}',
  deploying: '正在启动…',
  deployStarted_one: '正在后台部署 {n} 个证书，请查看下方的最近部署。',
  deployStarted_other: '正在后台部署 {n} 个证书，请查看下方的最近部署。',
  deployNothing: '此目标没有关联已签发的证书：请在证书页面关联。',
  reachable: '可连接',
  unreachable: '无法连接',
  checked: '已检查 {host}:{port}',
  serial: '提供的序列号',
  expires: '到期时间',
  matches: '对应证书',
  noMatch: '不是任何已关联的证书',
  recentTitle: '最近部署',
  recentNone: '尚未部署过。',
  refresh: '刷新',
  target: '目标',
  certificate: '证书',
  deployedAt: '部署时间',
  lastAttempt: '上次尝试',
  state: '状态',
  upToDate: '已是最新',
  outdated: '尚未部署',
  failed: '失败（连续 {n} 次）',
  secret: '密钥',
  yes: '是',
  no: '否',
});

type Kind = 'SSH' | 'WEBHOOK';
type Key = 'host' | 'port' | 'username' | 'privateKey' | 'hostKey' | 'fullchainPath' |
  'keyPath' | 'fullchainMode' | 'keyMode' | 'reloadCommand' | 'url' | 'webhookSecret' |
  'checkHost' | 'checkPort';
interface Spec { key: Key; required?: boolean; number?: boolean; secret?: boolean;
                 multiline?: boolean; hint?: Parameters<typeof t>[0] }
const SPECS: Record<Kind, Spec[]> = {
  SSH: [
    { key: 'host', required: true }, { key: 'port', number: true },
    { key: 'username', required: true },
    { key: 'privateKey', required: true, secret: true, multiline: true, hint: 'privateKeyHint' },
    { key: 'hostKey', multiline: true, hint: 'hostKeyHint' },
    { key: 'fullchainPath', required: true }, { key: 'keyPath', required: true },
    { key: 'fullchainMode', hint: 'modeHint' }, { key: 'keyMode', hint: 'modeHint' },
    { key: 'reloadCommand', hint: 'reloadHint' },
    { key: 'checkHost', hint: 'checkHint' }, { key: 'checkPort', number: true },
  ],
  WEBHOOK: [
    { key: 'url', required: true, hint: 'urlHint' },
    { key: 'webhookSecret', secret: true, hint: 'webhookSecretHint' },
    { key: 'checkHost', hint: 'checkHint' }, { key: 'checkPort', number: true },
  ],
};

interface Target { id: number; name: string; kind: Kind; host: string | null;
  port: number | null; username: string | null; hostKey: string | null;
  fullchainPath: string | null; keyPath: string | null; fullchainMode: string | null;
  keyMode: string | null; reloadCommand: string | null; url: string | null;
  includeCertificate: boolean | null; webhookSecret: string | null; checkHost: string | null;
  checkPort: number | null; certificateIds: number[]; createdAt: string; updatedAt: string }
interface Deployment { targetId: number; targetName: string; kind: Kind; certificateId: number;
  serial: string | null; deployedAt: string | null; lastAttemptAt: string | null;
  lastError: string | null; failedAttempts: number; upToDate: boolean }
interface CheckResult { host: string; port: number; reachable: boolean; error: string | null;
  serial: string | null; expiresAt: string | null; matchesCertificateId: number | null }

const TARGET = `id name kind host port username hostKey fullchainPath keyPath fullchainMode
  keyMode reloadCommand url includeCertificate webhookSecret checkHost checkPort certificateIds
  createdAt updatedAt`;
const DEPLOYMENT = `targetId targetName kind certificateId serial deployedAt lastAttemptAt
  lastError failedAttempts upToDate`;

function stored(target: Target | undefined, key: Key): string {
  if (!target || key === 'privateKey') return '';
  const value = target[key];
  return value == null ? '' : String(value);
}

function TargetForm({ target, onDone, onCancel }: {
  target?: Target; onDone: (t: Target) => void; onCancel?: () => void;
}) {
  const [name, setName] = useState(target?.name ?? '');
  const [kind, setKind] = useState<Kind>(target?.kind ?? 'WEBHOOK');
  const [values, setValues] = useState<Partial<Record<Key, string>>>(() => {
    const start: Partial<Record<Key, string>> = {};
    for (const spec of SPECS[target?.kind ?? 'WEBHOOK']) {
      if (!spec.secret) start[spec.key] = stored(target, spec.key);
    }
    return start;
  });
  const [include, setInclude] = useState(target?.includeCertificate ?? false);
  const [done, setDone] = useState<string | null>(null);
  const action = useAction(async () => {
    const settings: Record<string, unknown> = {};
    for (const spec of SPECS[kind]) {
      const raw = (values[spec.key] ?? '').trim();
      if (target && (spec.secret ? raw === '' : raw === stored(target, spec.key))) continue;
      if (!target && raw === '') continue;
      if (spec.number) {
        if (raw !== '') settings[spec.key] = Number(raw);
      } else {
        settings[spec.key] = spec.key === 'privateKey' ? `${raw}\n` : raw;
      }
    }
    if (kind === 'WEBHOOK' && (!target || include !== (target.includeCertificate ?? false))) {
      settings.includeCertificate = include;
    }
    if (target) {
      return (await gql<{ updateDeploymentTarget: Target }>(
        `mutation Update($id: Int!, $name: String, $settings: DeploymentSettings) {
          updateDeploymentTarget(id: $id, name: $name, settings: $settings) { ${TARGET} } }`,
        { id: target.id, name: name.trim() !== target.name ? name.trim() : null, settings }))
        .updateDeploymentTarget;
    }
    return (await gql<{ createDeploymentTarget: Target }>(
      `mutation Create($name: String!, $kind: DeploymentKind!, $settings: DeploymentSettings!) {
        createDeploymentTarget(name: $name, kind: $kind, settings: $settings) { ${TARGET} } }`,
      { name: name.trim(), kind, settings })).createDeploymentTarget;
  });
  const submit = async (e: Event) => {
    e.preventDefault();
    setDone(null);
    const made = await action.run();
    if (!made) return;
    if (!target) {
      setName('');
      setValues({});
      setInclude(false);
      setDone(made.name);
    }
    onDone(made);
  };
  const set = (key: Key) => (v: string) => setValues((s) => ({ ...s, [key]: v }));
  const shown = ['name', 'kind', 'includeCertificate', ...SPECS[kind].map((s) => s.key)];
  const heading = target ? t('editTitle', { name: target.name }) : t('createTitle');
  const headingId = target ? `edit-${target.id}-h` : 'create-h';
  const editHeading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    editHeading.current?.focus(); // Edit was pressed: the form took its place
  }, []);
  return (
    <form class={`settings-form${target ? '' : ' card'}`} onSubmit={submit} noValidate
          aria-labelledby={headingId}>
      {target ? <h4 id={headingId} tabIndex={-1} ref={editHeading}>{heading}</h4> : <h2 id={headingId}>{heading}</h2>}
      <FormError error={action.error} shown={shown} />
      <Field label={t('name')} value={name} onValue={setName} required maxLength={100}
             error={fieldError(action.error, 'name')} />
      {!target && <Select label={t('kind')} value={kind} onValue={(v) => setKind(v as Kind)}
                          error={fieldError(action.error, 'kind')}
                          options={(['WEBHOOK', 'SSH'] as Kind[]).map((k) => ({ value: k, label: t(k) }))} />}
      {SPECS[kind].map((spec) => {
        const hint = spec.hint && (target && spec.key === 'privateKey'
          ? `${t(spec.hint)} ${t('privateKeyKeep')}` : t(spec.hint));
        const common = { label: t(spec.key), value: values[spec.key] ?? '', onValue: set(spec.key),
                         required: spec.required && !(target && spec.secret), hint,
                         error: fieldError(action.error, spec.key) };
        return spec.multiline ? <TextArea key={spec.key} {...common} />
          : <Field key={spec.key} {...common} type={spec.secret ? 'password'
              : spec.number ? 'number' : spec.key === 'url' ? 'url' : 'text'}
                   autoComplete="off" spellcheck={false} />;
      })}
      {kind === 'WEBHOOK' && <Checkbox label={t('includeCertificate')} checked={include}
                                       onChecked={setInclude} />}
      {done && <Notice kind="success">{t('createdOk', { name: done })}</Notice>}
      <div class="button-row">
        <button type="submit" disabled={action.busy}>
          {action.busy ? (target ? t('saving') : t('creating')) : (target ? t('save') : t('create'))}
        </button>
        {onCancel && <button type="button" class="secondary" onClick={onCancel}>{t('cancel')}</button>}
      </div>
    </form>
  );
}

function Facts({ target }: { target: Target }) {
  const rows: [string, ComponentChildren][] = [[t('kind'), t(target.kind)]];
  const add = (label: string, value: ComponentChildren | null | undefined) => {
    if (value != null && value !== '') rows.push([label, value]);
  };
  if (target.kind === 'SSH') {
    add(t('host'), target.host && `${target.host}:${target.port ?? 22}`);
    add(t('username'), target.username);
    add(t('fullchainPath'), target.fullchainPath && <code>{target.fullchainPath} ({target.fullchainMode})</code>);
    add(t('keyPath'), target.keyPath && <code>{target.keyPath} ({target.keyMode})</code>);
    add(t('reloadCommand'), target.reloadCommand && <code>{target.reloadCommand}</code>);
    add(t('hostKey'), target.hostKey && <code class="wrap">{target.hostKey}</code>);
  } else {
    add(t('url'), target.url && <code>{target.url}</code>);
    add(t('includeCertificate'), target.includeCertificate ? t('yes') : t('no'));
    add(t('secret'), <span class="token-row">
      <span data-testid="target-secret"><MaskedSecret value={target.webhookSecret} /></span>
      {target.webhookSecret && <CopyButton text={target.webhookSecret} label={`${target.name}: ${t('secret')}`} />}
    </span>);
  }
  add(t('checkHost'), target.checkHost && `${target.checkHost}:${target.checkPort ?? 443}`);
  add(t('certificates'), target.certificateIds.length
    ? <span>{target.certificateIds.map((id, i) => <Fragment key={id}>{i > 0 && ', '}<a href={`#/certificates/${id}`}>#{id}</a></Fragment>)}</span>
    : '0');
  add(t('created'), <DateTime value={target.createdAt} />);
  add(t('updated'), <DateTime value={target.updatedAt} />);
  return <dl class="facts">{rows.map(([k, v]) => <Fragment key={k}><dt>{k}</dt><dd>{v}</dd></Fragment>)}</dl>;
}

function TargetCard({ target, onChange, onDeleted, onDeployed }: {
  target: Target; onChange: (t: Target) => void; onDeleted: (t: Target) => void;
  onDeployed: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  const [checked, setChecked] = useState<CheckResult | null>(null);
  const [deployed, setDeployed] = useState<number | null>(null);
  // After Cancel, focus goes back to Edit (the form that had it is gone).
  const editButton = useRef<HTMLButtonElement>(null);
  const [cancelled, setCancelled] = useState(0);
  useEffect(() => {
    if (cancelled) editButton.current?.focus();
  }, [cancelled]);
  const check = useAction(async () => (await gql<{ checkDeploymentTarget: CheckResult }>(
    `mutation Check($id: Int!) { checkDeploymentTarget(targetId: $id) { host port reachable
      error serial expiresAt matchesCertificateId } }`, { id: target.id })).checkDeploymentTarget);
  const deploy = useAction(async () => (await gql<{ deployNow: Deployment[] }>(
    `mutation Deploy($id: Int!) { deployNow(targetId: $id) { ${DEPLOYMENT} } }`,
    { id: target.id })).deployNow);
  const remove = useAction(() => gql(
    'mutation Delete($id: Int!) { deleteDeploymentTarget(id: $id) { message } }', { id: target.id }));
  const headingId = `target-${target.id}-h`;
  return (
    <article class="card" aria-labelledby={headingId}>
      <div class="target-head">
        <h3 id={headingId}>{target.name}</h3>
        <Badge kind="neutral">{t(target.kind)}</Badge>
      </div>
      {saved && <Notice kind="success" focus>{t('savedOk', { name: target.name })}</Notice>}
      {editing
        ? <TargetForm target={target} onCancel={() => {
            setEditing(false);
            setCancelled((n) => n + 1);
          }} onDone={(next) => {
            setEditing(false);
            setSaved(true);
            onChange(next);
          }} />
        : <>
            <Facts target={target} />
            <div class="button-row">
              <button type="button" class="secondary small" aria-expanded={false} ref={editButton}
                      aria-label={t('editLabel', { name: target.name })}
                      onClick={() => {
                        setSaved(false);
                        setEditing(true);
                      }}>{t('edit')}</button>
              <button type="button" class="secondary small" disabled={check.busy}
                      aria-label={t('checkLabel', { name: target.name })} onClick={async () => {
                        setChecked(null);
                        setChecked(await check.run() ?? null);
                      }}>{check.busy ? t('checking') : t('check')}</button>
              <button type="button" class="secondary small" disabled={deploy.busy}
                      aria-label={t('deployLabel', { name: target.name })} onClick={async () => {
                        setDeployed(null);
                        const started = await deploy.run();
                        if (started) {
                          setDeployed(started.length);
                          onDeployed();
                        }
                      }}>{deploy.busy ? t('deploying') : t('deploy')}</button>
              <button type="button" class="danger small" disabled={remove.busy}
                      aria-label={t('removeLabel', { name: target.name })} onClick={async () => {
                        if (!window.confirm(t('confirmDelete', { name: target.name }))) return;
                        if (await remove.run() !== undefined) onDeleted(target);
                      }}>{t('remove')}</button>
            </div>
          </>}
      <div class="result" aria-live="polite">
        {deployed !== null && <Notice kind={deployed ? 'success' : 'info'}>
          {deployed ? t(`deployStarted_${plural(deployed)}`, { n: formatNumber(deployed) }) : t('deployNothing')}</Notice>}
        {checked && <div class={`notice ${checked.reachable ? 'success' : 'error'}`}>
          <p><Badge kind={checked.reachable ? 'ok' : 'failed'}>
            {checked.reachable ? t('reachable') : t('unreachable')}</Badge>{' '}
            {t('checked', { host: checked.host, port: checked.port })}</p>
          {checked.error && <p class="detail" lang="en">{checked.error}</p>}
          {checked.serial && <dl class="facts">
            <dt>{t('serial')}</dt><dd><code>{checked.serial}</code></dd>
            <dt>{t('expires')}</dt><dd><DateTime value={checked.expiresAt} /></dd>
            <dt>{t('matches')}</dt><dd>{checked.matchesCertificateId
              ? <a href={`#/certificates/${checked.matchesCertificateId}`}>#{checked.matchesCertificateId}</a>
              : t('noMatch')}</dd>
          </dl>}
        </div>}
      </div>
      <ErrorBox error={check.error ?? deploy.error ?? remove.error} />
    </article>
  );
}

/** The recent deployments; refreshed on their own (the targets above keep their state). */
function Recent({ initial, round }: { initial: Deployment[]; round: number }) {
  const [deployments, setDeployments] = useState(initial);
  const refresh = useAction(async () => (await gql<{ deployments: Deployment[] }>(
    `{ deployments { ${DEPLOYMENT} } }`)).deployments);
  const run = async () => {
    const got = await refresh.run();
    if (got) setDeployments(got);
  };
  useEffect(() => {
    if (round === 0) return undefined;
    const timer = window.setTimeout(() => void run(), 1500); // deployNow runs in the background
    return () => window.clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [round]);
  const busy = refresh.busy;
  const recent = [...deployments].sort((a, b) =>
    (b.lastAttemptAt ?? '').localeCompare(a.lastAttemptAt ?? '')).slice(0, 20);
  return (
    <section aria-labelledby="recent-h">
      <div class="target-head">
        <h2 id="recent-h">{t('recentTitle')}</h2>
        <button type="button" class="secondary small" disabled={busy} onClick={run}>
          {t('refresh')}</button>
      </div>
      <ErrorBox error={refresh.error} />
      {recent.length === 0 ? <Empty>{t('recentNone')}</Empty>
        : <div class="table-wrap">
            <table class="responsive settings-table">
              <thead><tr>
                <th scope="col">{t('target')}</th><th scope="col">{t('certificate')}</th>
                <th scope="col">{t('state')}</th><th scope="col">{t('deployedAt')}</th>
                <th scope="col">{t('lastAttempt')}</th>
              </tr></thead>
              <tbody>
                {recent.map((d) => (
                  <tr key={`${d.targetId}-${d.certificateId}`}>
                    <td data-label={t('target')}>{d.targetName}</td>
                    <td data-label={t('certificate')}>
                      <a href={`#/certificates/${d.certificateId}`}>#{d.certificateId}</a>
                      {d.serial && <div class="muted"><code>{d.serial}</code></div>}</td>
                    <td data-label={t('state')}>
                      <div>{d.lastError ? <Badge kind="failed">{t('failed', { n: d.failedAttempts })}</Badge>
                        : d.upToDate ? <Badge kind="ok">{t('upToDate')}</Badge>
                          : <Badge kind="pending">{t('outdated')}</Badge>}
                        {d.lastError && <p class="hint" lang="en">{d.lastError}</p>}</div>
                    </td>
                    <td data-label={t('deployedAt')}><DateTime value={d.deployedAt} /></td>
                    <td data-label={t('lastAttempt')}><DateTime value={d.lastAttemptAt} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>}
    </section>
  );
}

export function DeploymentSettings() {
  const q = useQuery<{ deploymentTargets: Target[]; deployments: Deployment[] }>(
    `{ deploymentTargets { ${TARGET} } deployments { ${DEPLOYMENT} } }`);
  const [targets, setTargets] = useState<Target[] | null>(null);
  const [deleted, setDeleted] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  const list = targets ?? q.data?.deploymentTargets ?? [];
  // Each change applies to the list as it is then (answers may come back in any order).
  const edit = (f: (l: Target[]) => Target[]) => setTargets((cur) =>
    f(cur ?? q.data?.deploymentTargets ?? []));
  return (
    <SettingsPage section="deployments" title={t('title')}>
      <p>{t('intro')}</p>
      {!q.data && q.loading && <Loading />}
      {!q.data && <ErrorBox error={q.error} onRetry={q.reload} />}
      {q.data && <>
        <section aria-labelledby="targets-h">
          <h2 id="targets-h">{t('listTitle')}</h2>
          {deleted && <Notice kind="success" focus>{t('deletedOk', { name: deleted })}</Notice>}
          {list.length === 0 ? <Empty>{t('none')}</Empty>
            : list.map((target) => <TargetCard key={target.id} target={target}
                onChange={(next) => edit((l) => l.map((x) => (x.id === next.id ? next : x)))}
                onDeleted={(gone) => {
                  setDeleted(gone.name);
                  edit((l) => l.filter((x) => x.id !== gone.id));
                }}
                onDeployed={() => setRound((r) => r + 1)} />)}
        </section>
        <TargetForm onDone={(made) => {
          setDeleted(null);
          edit((l) => [...l, made]);
        }} />
        <Recent initial={q.data.deployments} round={round} />
      </>}
    </SettingsPage>
  );
}
