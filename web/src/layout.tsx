// The frame around every signed-in screen: a skip link, the navigation (with the unread
// notification badge), the language switch and sign-out.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { gql, subscribe } from './api';
import { LANG_NAMES, LANGS, lang, setLang, strings, type Lang } from './i18n';
import { onSessionChange, signOut } from './session';
import { onUnreadChange } from './unread';

export const tNav = strings({
  skip: 'Skip to content',
  main: 'Main',
  overview: 'Overview',
  certificates: 'Certificates',
  domains: 'Domains',
  notifications: 'Notifications',
  unread: '{n} unread',
  settings: 'Settings',
  signOut: 'Sign out',
  language: 'Language',
  menu: 'Menu',
  verifyBanner: 'Confirm your email address: open the link in the mail casp sent to {email}.',
}, {
  skip: '跳到正文',
  main: '主导航',
  overview: '概览',
  certificates: '证书',
  domains: '域名',
  notifications: '通知',
  unread: '{n} 条未读',
  settings: '设置',
  signOut: '退出登录',
  language: '语言',
  menu: '菜单',
  verifyBanner: '请验证邮箱：打开 casp 发送到 {email} 的邮件中的链接。',
});

const LINKS = [
  ['/', 'overview'], ['/certificates', 'certificates'], ['/domains', 'domains'],
  ['/notifications', 'notifications'], ['/settings', 'settings'],
] as const;

interface Me { me: { email: string; emailVerified: boolean };
               notifications: { unreadCount: number } }

export function LanguageSwitch({ onChange }: { onChange: () => void }) {
  return (
    <label class="lang-switch">
      <span class="visually-hidden">{tNav('language')}</span>
      <select value={lang()} aria-label={tNav('language')}
              onChange={(e) => {
                setLang((e.currentTarget as HTMLSelectElement).value as Lang);
                onChange();
              }}>
        {LANGS.map((l) => <option key={l} value={l} lang={l === 'zh' ? 'zh-CN' : 'en'}>{LANG_NAMES[l]}</option>)}
      </select>
    </label>
  );
}

function active(path: string, link: string): boolean {
  return link === '/' ? path === '/' : path === link || path.startsWith(`${link}/`);
}

const ME = '{ me { email emailVerified } notifications(unreadOnly: true, perPage: 1) { unreadCount } }';
const EVENT_DELAY_MS = 1500; // a burst of events (many renewals) costs one read
const NAVIGATION_FRESH_MS = 15000; // a screen change reads again only after this long

export function Layout({ path, children, onLang }: { path: string; children: ComponentChildren;
                                                     onLang: () => void; lang?: number }) {
  const [me, setMe] = useState<Me | null>(null);
  const [open, setOpen] = useState(false);
  const [round, setRound] = useState(0);
  const [session, setSession] = useState(0);
  const lastRead = useRef(0);
  const pending = useRef<number | null>(null);
  useEffect(() => onUnreadChange(() => setRound((r) => r + 1)), []);
  useEffect(() => onSessionChange(() => setSession((n) => n + 1)), []);
  // A certificate's status changed (issued, failed, revoked...): its notification is
  // committed before the event is sent, so the badge is read again (once for a burst).
  // Subscribed again when the token changes (the socket of the old one is closed).
  useEffect(() => {
    const stop = subscribe<{ certificateEvents: { changed: string[] } }>(
      'subscription Badge { certificateEvents { certificateId changed } }', {}, {
        next: (d) => {
          if (!d.certificateEvents.changed.includes('STATUS') || pending.current) return;
          pending.current = window.setTimeout(() => {
            pending.current = null;
            setRound((r) => r + 1);
          }, EVENT_DELAY_MS);
        },
      });
    return () => {
      stop();
      if (pending.current) window.clearTimeout(pending.current);
      pending.current = null;
    };
  }, [session]);
  useEffect(() => {
    if (Date.now() - lastRead.current < NAVIGATION_FRESH_MS) return;
    lastRead.current = Date.now();
    gql<Me>(ME).then(setMe, () => undefined); // the screen shows its own errors
  }, [path]);
  useEffect(() => {
    if (round === 0 && session === 0) return;
    lastRead.current = Date.now();
    gql<Me>(ME).then(setMe, () => undefined);
  }, [round, session]);
  useEffect(() => setOpen(false), [path]);
  const unread = me?.notifications.unreadCount ?? 0;
  return (
    <div class="shell">
      <a class="skip" href="#main" onClick={(e) => {
        e.preventDefault();
        document.getElementById('main')?.focus();
      }}>{tNav('skip')}</a>
      <header class={open ? 'topbar open' : 'topbar'}>
        <a class="brand" href="#/">casp</a>
        <button type="button" class="menu-button secondary" aria-expanded={open}
                aria-controls="nav" onClick={() => setOpen(!open)}>{tNav('menu')}</button>
        <nav id="nav" aria-label={tNav('main')} class={open ? 'open' : ''}>
          <ul>
            {LINKS.map(([link, key]) => (
              <li key={link}>
                <a href={`#${link}`} aria-current={active(path, link) ? 'page' : undefined}>
                  {tNav(key)}
                  {key === 'notifications' && unread > 0 &&
                    <span class="count">
                      <span aria-hidden="true" data-testid="unread-badge">{unread}</span>
                      <span class="visually-hidden">{tNav('unread', { n: unread })}</span>
                    </span>}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="tools">
          <LanguageSwitch onChange={onLang} />
          <span class="who muted">{me?.me.email}</span>
          <button type="button" class="secondary" onClick={() => {
            signOut();
            location.hash = '#/login';
          }}>{tNav('signOut')}</button>
        </div>
      </header>
      {me && !me.me.emailVerified &&
        <div class="banner" role="status">{tNav('verifyBanner', { email: me.me.email })}</div>}
      <main id="main" tabIndex={-1}>{children}</main>
    </div>
  );
}
