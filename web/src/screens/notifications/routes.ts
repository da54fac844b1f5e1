import type { Route } from '../../routes';
import { NotificationsList } from './list';

export const routes: Route[] = [
  { path: '/notifications', screen: NotificationsList },
];
