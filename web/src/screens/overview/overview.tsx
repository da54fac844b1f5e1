import { tNav } from '../../layout';
import { Page } from '../../ui/common';
import { Welcome } from '../auth/screens';

export function Overview({ query }: { query: URLSearchParams }) {
  const welcome = query.get('welcome');
  return <Page title={tNav('overview')}>{welcome && <Welcome email={welcome} />}</Page>;
}
