import { tNav } from '../../layout';
import { Page } from '../../ui/common';

export function SettingsList() {
  return <Page title={tNav('settings')}><p>…</p></Page>;
}
