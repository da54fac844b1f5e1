import type { Route } from '../../routes';
import { CertificateDetail } from './detail';
import { CertificatesList } from './list';
import { RequestCertificate } from './request';

export const routes: Route[] = [
  { path: '/certificates', screen: CertificatesList },
  { path: '/certificates/new', screen: RequestCertificate },
  { path: '/certificates/:id', screen: CertificateDetail },
];
