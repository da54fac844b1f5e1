// #/settings: the account (email, name, whether the email is confirmed, since when) and its
// API token: hidden until shown, copied, regenerated (the dashboard signs in with the new one).
import { useState } from 'preact/hooks';
import { gql, replaceToken } from '../../api';
import { useAction, useQuery } from '../../hooks';
import { strings } from '../../i18n';
import { Badge, CopyButton, DateTime, ErrorBox, Loading, Notice } from '../../ui/common';
import { SettingsPage } from './frame';

const t = strings({
  title: 'Account settings',
  account: 'Account',
  email: 'Email',
  name: 'Name',
  noName: 'No name given',
  status: 'Email status',
  verified: 'Confirmed',
  unverified: 'Not confirmed yet',
  created: 'Created',
  tokenTitle: 'API token',
  tokenIntro: 'Send it as "Authorization: Bearer <token>" to the REST and GraphQL APIs. Anyone holding it can act as you: keep it secret.',
  tokenLabel: 'Your API token',
  hidden: 'Hidden',
  show: 'Show',
  hide: 'Hide',
  regenerate: 'Regenerate token',
  regenerating: 'Regenerating…',
  confirm: 'Make a new API token? The current one stops working at once: every script, tool or other browser using it will be refused until you give it the new token.',
  regenerated: 'A new API token was made, and this dashboard now uses it. Every other client still using the old token (scripts, tools, other browsers) is refused from now on: give them the new one.',
}, {
  title: '账户设置',
  account: '账户',
  email: '邮箱',
  name: '名称',
  noName: '未填写名称',
  status: '邮箱状态',
  verified: '已验证',
  unverified: '尚未验证',
  created: '注册时间',
  tokenTitle: 'API 令牌',
  tokenIntro: '调用 REST 和 GraphQL API 时以 "Authorization: Bearer <令牌>" 发送。持有它的人可以以您的身份操作，请妥善保管。',
  tokenLabel: '您的 API 令牌',
  hidden: '已隐藏',
  show: '显示',
  hide: '隐藏',
  regenerate: '重新生成令牌',
  regenerating: '正在重新生成…',
  confirm: '要生成新的 API 令牌吗？当前令牌将立即失效：所有使用它的脚本、工具或其他浏览器都会被拒绝，直到您换上新令牌。',
  regenerated: '已生成新的 API 令牌，本控制台已改用新令牌。其他仍使用旧令牌的客户端（脚本、工具、其他浏览器）从现在起都会被拒绝，请为它们换上新令牌。',
});

interface Me { me: { email: string; name: string; emailVerified: boolean; apiToken: string;
                     createdAt: string } }

export function AccountSettings() {
  const q = useQuery<Me>('{ me { email name emailVerified apiToken createdAt } }');
  const [shown, setShown] = useState(false);
  const [fresh, setFresh] = useState<string | null>(null);
  // From now on the dashboard sends the new token; the old one's refusals are expected.
  const regenerate = useAction(() => replaceToken(async () => (await gql<{
    regenerateApiToken: { token: string } }>('mutation { regenerateApiToken { token } }'))
    .regenerateApiToken.token));
  const onRegenerate = async () => {
    if (!window.confirm(t('confirm'))) return;
    const made = await regenerate.run();
    if (made !== undefined) {
      setFresh(made);
      setShown(false);
    }
  };
  const me = q.data?.me;
  const apiToken = fresh ?? me?.apiToken ?? '';
  return (
    <SettingsPage section="account" title={t('title')}>
      {!me && q.loading && <Loading />}
      {!me && <ErrorBox error={q.error} onRetry={q.reload} />}
      {me && <>
        <section class="card" aria-labelledby="account-h">
          <h2 id="account-h">{t('account')}</h2>
          <dl class="facts">
            <dt>{t('email')}</dt><dd>{me.email}</dd>
            <dt>{t('name')}</dt><dd>{me.name || <span class="muted">{t('noName')}</span>}</dd>
            <dt>{t('status')}</dt>
            <dd>{me.emailVerified ? <Badge kind="ok">{t('verified')}</Badge>
              : <Badge kind="pending">{t('unverified')}</Badge>}</dd>
            <dt>{t('created')}</dt><dd><DateTime value={me.createdAt} /></dd>
          </dl>
        </section>
        <section class="card" aria-labelledby="token-h">
          <h2 id="token-h">{t('tokenTitle')}</h2>
          <p>{t('tokenIntro')}</p>
          {fresh && <Notice kind="success">{t('regenerated')}</Notice>}
          <ErrorBox error={regenerate.error} />
          <div class="token-row">
            <code data-testid="api-token">
              {shown ? apiToken : <>
                <span aria-hidden="true">{'•'.repeat(24)}</span>
                <span class="visually-hidden">{t('hidden')}</span></>}
            </code>
            <button type="button" class="secondary small" aria-pressed={shown}
                    onClick={() => setShown(!shown)}>{shown ? t('hide') : t('show')}</button>
            <CopyButton text={apiToken} label={t('tokenLabel')} />
          </div>
          <button type="button" class="danger" disabled={regenerate.busy} onClick={onRegenerate}>
            {regenerate.busy ? t('regenerating') : t('regenerate')}</button>
        </section>
      </>}
    </SettingsPage>
  );
}
