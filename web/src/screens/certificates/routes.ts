import type { Route } from '../../routes';
import { CertificatesList } from './list';

export const routes: Route[] = [
  { path: '/certificates', screen: CertificatesList },
];
