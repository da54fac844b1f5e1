// The inbox: casp's notifications a page at a time, newest first; mark one or all read (the
// unread badge in the navigation follows), only the unread ones, a link to the certificate.
// Titles and messages are casp's own words, in English: shown as they are, marked lang="en".
import { useEffect, useRef, useState } from 'preact/hooks';
import { gql } from '../../api';
import { useAction, useQuery } from '../../hooks';
import { formatNumber, plural } from '../../i18n';
import { Badge, Checkbox, DateTime, Empty, ErrorBox, Loading, Page } from '../../ui/common';
import { unreadChanged } from '../../unread';
import { t } from './strings';
import './notifications.css';

export type NotificationType = 'CERTIFICATE_ISSUED' | 'ISSUANCE_FAILED' | 'RENEWAL_SUCCEEDED' |
  'RENEWAL_FAILED' | 'EXPIRING' | 'EXPIRED' | 'REVOKED' | 'DOMAIN_MOVED' | 'DEPLOYMENT_FAILED';

interface Notification {
  id: number;
  type: NotificationType;
  title: string;
  message: string;
  certificateId: number | null;
  read: boolean;
  createdAt: string;
}

interface Inbox {
  notifications: {
    notifications: Notification[];
    unreadCount: number;
    total: number;
    page: number;
    pages: number;
  };
}

const PER_PAGE = 20;

const INBOX = `query Inbox($unreadOnly: Boolean!, $page: Int, $perPage: Int) {
  notifications(unreadOnly: $unreadOnly, page: $page, perPage: $perPage) {
    notifications { id type title message certificateId read createdAt }
    unreadCount total page pages
  }
}`;

const KINDS: Record<NotificationType, string> = {
  CERTIFICATE_ISSUED: 'ok', RENEWAL_SUCCEEDED: 'ok', ISSUANCE_FAILED: 'failed',
  RENEWAL_FAILED: 'failed', EXPIRED: 'failed', REVOKED: 'failed', DEPLOYMENT_FAILED: 'failed',
  EXPIRING: 'soon', DOMAIN_MOVED: 'neutral',
};

/** A notification type in the user's language. */
export function typeLabel(type: NotificationType): string {
  return type in KINDS ? t(type) : type;
}

function Item({ item, onMark, busy }: { item: Notification; busy: boolean;
                                        onMark: (id: number) => void }) {
  const titleId = `notification-${item.id}-title`;
  return (
    <li class={item.read ? 'read' : 'unread'}>
      <article aria-labelledby={titleId}>
        <div class="inbox-meta">
          <Badge kind={KINDS[item.type] ?? 'neutral'}>{typeLabel(item.type)}</Badge>
          {item.read
            ? <span class="visually-hidden">{t('read')}</span>
            : <Badge kind="unread">{t('unread')}</Badge>}
          <span class="muted"><span class="visually-hidden">{t('received')} </span>
            <DateTime value={item.createdAt} withRelative /></span>
        </div>
        <h2 id={titleId} lang="en">{item.title}</h2>
        <p class="inbox-message" lang="en">{item.message}</p>
        {(item.certificateId != null || !item.read) &&
          <div class="inbox-actions">
            {item.certificateId != null &&
              <a href={`#/certificates/${item.certificateId}`}>
                {t('viewCertificate', { id: item.certificateId })}</a>}
            {!item.read &&
              <button type="button" class="secondary small" disabled={busy}
                      aria-describedby={titleId} onClick={() => onMark(item.id)}>
                {t('markRead')}</button>}
          </div>}
      </article>
    </li>
  );
}

export function NotificationsList() {
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [page, setPage] = useState(1);
  const [said, setSaid] = useState('');
  const list = useRef<HTMLDivElement>(null);
  const inbox = useQuery<Inbox>(INBOX, { unreadOnly, page, perPage: PER_PAGE },
                                [unreadOnly, page]);
  const data = inbox.data?.notifications;

  // Marking the last unread ones of a page may leave fewer pages than the one shown.
  useEffect(() => {
    if (data && page > data.pages) setPage(data.pages);
  }, [data, page]);

  const changed = (message: string) => {
    setSaid(message);
    unreadChanged();
    inbox.reload();
  };
  const markOne = useAction((id: number) => gql<{ markNotificationRead: { updated: number } }>(
    'mutation MarkRead($id: Int!) { markNotificationRead(id: $id) { updated } }', { id }));
  const markAll = useAction(() => gql<{ markAllNotificationsRead: { updated: number } }>(
    'mutation { markAllNotificationsRead { updated } }'));

  const onMark = async (id: number) => {
    // The button goes away with the notification's unread state: keep focus in the list.
    list.current?.focus();
    if (await markOne.run(id)) changed(t('markedOne'));
  };
  const onMarkAll = async () => {
    const done = await markAll.run();
    if (done) {
      list.current?.focus(); // the button is disabled now that nothing is unread
      const n = done.markAllNotificationsRead.updated;
      changed(n ? t(`markedAll_${plural(n)}`, { n: formatNumber(n) }) : t('markedNone'));
    }
  };
  const refresh = () => {
    if (inbox.loading) return;
    setSaid('');
    inbox.reload();
    unreadChanged();
  };

  const turn = (to: number) => {
    setPage(to);
    setSaid('');
    list.current?.focus(); // to the top of the new page
    list.current?.scrollIntoView({ block: 'start' });
  };

  const actions = (
    <>
      <button type="button" class="secondary" onClick={refresh}
              aria-disabled={inbox.loading ? 'true' : undefined}>
        {inbox.loading && data ? t('refreshing') : t('refresh')}</button>
      <button type="button" onClick={onMarkAll}
              disabled={markAll.busy || !data || data.unreadCount === 0}>
        {markAll.busy ? t('markingAll') : t('markAll')}</button>
    </>
  );

  return (
    <Page title={t('title')} actions={actions}>
      <p class="muted">{t('intro')} <span>{t('englishNote')}</span></p>
      <div class="filters">
        <Checkbox label={t('unreadOnly')} checked={unreadOnly} onChecked={(v) => {
          setUnreadOnly(v);
          setPage(1);
          setSaid('');
        }} />
        {data && <p class="inbox-count muted">
          {t('unreadSummary', { n: formatNumber(data.unreadCount),
                                total: formatNumber(data.total) })}
        </p>}
      </div>
      <p class="inbox-status" role="status" aria-live="polite">{said}</p>
      <ErrorBox error={markOne.error ?? markAll.error} />
      <ErrorBox error={inbox.error} onRetry={inbox.reload} />
      {!data && inbox.loading && <Loading />}
      <div ref={list} tabIndex={-1} class="inbox-region" aria-busy={inbox.loading ? 'true' : 'false'}>
        {data && data.total === 0 && (unreadOnly
          ? <Empty><p>{t('emptyUnread')}</p>
              <button type="button" class="secondary" onClick={() => {
                setUnreadOnly(false);
                setPage(1);
              }}>{t('showAll')}</button></Empty>
          : <Empty><p>{t('emptyAll')}</p><p>{t('emptyAllHint')}</p></Empty>)}
        {data && data.notifications.length > 0 &&
          <ul class="inbox">
            {data.notifications.map((item) =>
              <Item key={item.id} item={item} busy={markOne.busy} onMark={onMark} />)}
          </ul>}
      </div>
      {data && data.pages > 1 &&
        <nav class="pager" aria-label={t('pages')}>
          <button type="button" class="secondary small" disabled={page <= 1}
                  onClick={() => turn(page - 1)}>{t('previous')}</button>
          <span>{t('pageOf', { page: formatNumber(data.page), pages: formatNumber(data.pages) })}</span>
          <button type="button" class="secondary small"
                  disabled={page >= data.pages}
                  onClick={() => turn(page + 1)}>{t('next')}</button>
        </nav>}
    </Page>
  );
}
