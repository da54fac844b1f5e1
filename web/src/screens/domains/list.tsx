import { tNav } from '../../layout';
import { Page } from '../../ui/common';

export function DomainsList() {
  return <Page title={tNav('domains')}><p>…</p></Page>;
}
