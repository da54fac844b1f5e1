import { tNav } from '../../layout';
import { Page } from '../../ui/common';

export function CertificatesList() {
  return <Page title={tNav('certificates')}><p>…</p></Page>;
}
