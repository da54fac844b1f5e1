import { tNav } from '../../layout';
import { Page } from '../../ui/common';

export function NotificationsList() {
  return <Page title={tNav('notifications')}><p>…</p></Page>;
}
