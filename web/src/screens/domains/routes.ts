import type { Route } from '../../routes';
import { DomainDetail } from './detail';
import { DomainsList } from './list';

export const routes: Route[] = [
  { path: '/domains', screen: DomainsList },
  { path: '/domains/:id', screen: DomainDetail },
];
