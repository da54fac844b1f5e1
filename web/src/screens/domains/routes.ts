import type { Route } from '../../routes';
import { DomainsList } from './list';

export const routes: Route[] = [
  { path: '/domains', screen: DomainsList },
];
