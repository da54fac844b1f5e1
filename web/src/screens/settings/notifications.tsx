// #/settings/notifications: where notifications go besides the inbox: by mail, to a webhook
// (its secret write-only: only its end is shown), and which types.
import { useState } from 'preact/hooks';
import { gql } from '../../api';
import { useAction, useQuery } from '../../hooks';
import { strings } from '../../i18n';
import { Checkbox, CopyButton, ErrorBox, Field, Loading, Notice, fieldError } from '../../ui/common';
import { FormError, MaskedSecret, SettingsPage } from './frame';

const t = strings({
  title: 'Notification delivery',
  intro: 'Every notification lands in your inbox. Choose where else it goes.',
  mail: 'By email',
  emailEnabled: 'Email me each notification',
  emailHint: 'Sent to {email}.',
  webhook: 'Webhook',
  webhookIntro: 'casp POSTs each notification as JSON to this address, signed with the secret: X-Casp-Signature: sha256=HMAC-SHA256(body).',
  webhookUrl: 'Webhook URL',
  webhookUrlHint: 'An http(s) URL on a public address. Leave it empty to remove the webhook.',
  currentSecret: 'Current secret',
  newSecret: 'New webhook secret',
  newSecretHint: '16 to 200 characters. Leave it empty to keep the current one (casp makes one when the first URL is saved).',
  types: 'Send these by email and webhook',
  save: 'Save',
  saving: 'Saving…',
  saved: 'Saved.',
  CERTIFICATE_ISSUED: 'A certificate was issued',
  ISSUANCE_FAILED: 'A certificate request failed',
  RENEWAL_SUCCEEDED: 'A certificate was renewed',
  RENEWAL_FAILED: 'A renewal attempt failed',
  EXPIRING: 'A certificate expires soon',
  EXPIRED: 'A certificate expired',
  REVOKED: 'A certificate was revoked',
  DOMAIN_MOVED: 'Another user proved one of your domains theirs',
  DEPLOYMENT_FAILED: 'A deployment failed',
}, {
  title: '通知投递',
  intro: '所有通知都会进入收件箱。请选择还要发送到哪里。',
  mail: '邮件',
  emailEnabled: '每条通知都发邮件给我',
  emailHint: '发送到 {email}。',
  webhook: 'Webhook',
  webhookIntro: 'casp 会把每条通知以 JSON 格式 POST 到此地址，并用密钥签名：X-Casp-Signature: sha256=HMAC-SHA256(body)。',
  webhookUrl: 'Webhook 地址',
  webhookUrlHint: '公网地址上的 http(s) URL。留空则删除 Webhook。',
  currentSecret: '当前密钥',
  newSecret: '新的 Webhook 密钥',
  newSecretHint: '16 到 200 个字符。留空则保留当前密钥（首次保存地址时 casp 会自动生成一个）。',
  types: '通过邮件和 Webhook 发送以下通知',
  save: '保存',
  saving: '正在保存…',
  saved: '已保存。',
  CERTIFICATE_ISSUED: '证书已签发',
  ISSUANCE_FAILED: '证书申请失败',
  RENEWAL_SUCCEEDED: '证书已续期',
  RENEWAL_FAILED: '一次续期尝试失败',
  EXPIRING: '证书即将过期',
  EXPIRED: '证书已过期',
  REVOKED: '证书已吊销',
  DOMAIN_MOVED: '其他用户证明了您的某个域名归其所有',
  DEPLOYMENT_FAILED: '部署失败',
});

const TYPES = ['CERTIFICATE_ISSUED', 'ISSUANCE_FAILED', 'RENEWAL_SUCCEEDED', 'RENEWAL_FAILED',
               'EXPIRING', 'EXPIRED', 'REVOKED', 'DOMAIN_MOVED', 'DEPLOYMENT_FAILED'] as const;
type NotificationType = (typeof TYPES)[number];

interface Settings { emailEnabled: boolean; email: string; webhookUrl: string | null;
                     webhookSecret: string | null; types: NotificationType[] }
const FIELDS = 'emailEnabled email webhookUrl webhookSecret types';
const UPDATE = `mutation Update($emailEnabled: Boolean, $webhookUrl: String,
  $webhookSecret: String, $types: [NotificationType!]) {
  updateNotificationSettings(emailEnabled: $emailEnabled, webhookUrl: $webhookUrl,
    webhookSecret: $webhookSecret, types: $types) { ${FIELDS} } }`;

function Form({ initial }: { initial: Settings }) {
  const [stored, setStored] = useState(initial);
  const [emailEnabled, setEmailEnabled] = useState(initial.emailEnabled);
  const [url, setUrl] = useState(initial.webhookUrl ?? '');
  const [secret, setSecret] = useState('');
  const [types, setTypes] = useState<NotificationType[]>(initial.types);
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    const vars: Record<string, unknown> = { emailEnabled, webhookUrl: url.trim(), types };
    if (secret) vars.webhookSecret = secret;
    return (await gql<{ updateNotificationSettings: Settings }>(UPDATE, vars))
      .updateNotificationSettings;
  });
  const submit = async (e: Event) => {
    e.preventDefault();
    setSaved(false);
    const done = await save.run();
    if (done) {
      setStored(done);
      setUrl(done.webhookUrl ?? '');
      setSecret('');
      setSaved(true);
    }
  };
  const toggle = (type: NotificationType, on: boolean) =>
    setTypes(TYPES.filter((x) => (x === type ? on : types.includes(x))));
  return (
    <form class="card settings-form" onSubmit={submit} noValidate>
      <p>{t('intro')}</p>
      <FormError error={save.error} shown={['webhookUrl', 'webhookSecret']} />
      <h2>{t('mail')}</h2>
      <Checkbox label={t('emailEnabled')} checked={emailEnabled} onChecked={setEmailEnabled}
                hint={t('emailHint', { email: stored.email })} />
      <h2>{t('webhook')}</h2>
      <p class="hint">{t('webhookIntro')}</p>
      <Field label={t('webhookUrl')} type="url" value={url} onValue={setUrl} maxLength={2000}
             spellcheck={false} hint={t('webhookUrlHint')}
             error={fieldError(save.error, 'webhookUrl')} />
      {stored.webhookUrl && <div class="field">
        <span class="label-like">{t('currentSecret')}</span>
        <div class="token-row">
          <span data-testid="webhook-secret"><MaskedSecret value={stored.webhookSecret} /></span>
          {stored.webhookSecret && <CopyButton text={stored.webhookSecret} label={t('currentSecret')} />}
        </div>
      </div>}
      <Field label={t('newSecret')} type="password" value={secret} onValue={setSecret}
             autoComplete="new-password" maxLength={200} hint={t('newSecretHint')}
             error={fieldError(save.error, 'webhookSecret')} />
      <fieldset>
        <legend>{t('types')}</legend>
        <div class="types-grid">
          {TYPES.map((type) => <Checkbox key={type} label={t(type)} checked={types.includes(type)}
                                         onChecked={(on) => toggle(type, on)} />)}
        </div>
      </fieldset>
      {saved && <Notice kind="success">{t('saved')}</Notice>}
      <button type="submit" disabled={save.busy}>{save.busy ? t('saving') : t('save')}</button>
    </form>
  );
}

export function NotificationSettings() {
  const q = useQuery<{ notificationSettings: Settings }>(`{ notificationSettings { ${FIELDS} } }`);
  return (
    <SettingsPage section="notifications" title={t('title')}>
      {!q.data && q.loading && <Loading />}
      {!q.data && <ErrorBox error={q.error} onRetry={q.reload} />}
      {q.data && <Form initial={q.data.notificationSettings} />}
    </SettingsPage>
  );
}
