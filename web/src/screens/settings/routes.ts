import type { Route } from '../../routes';
import { SettingsList } from './list';

export const routes: Route[] = [
  { path: '/settings', screen: SettingsList },
];
