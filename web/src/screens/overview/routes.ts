import type { Route } from '../../routes';
import { Overview } from './overview';

export const routes: Route[] = [
  { path: '/', screen: Overview },
];
