import type { Route } from '../../routes';
import { AccountSettings } from './account';
import { CaSettings } from './cas';
import { DeploymentSettings } from './deployments';
import { DnsSettings } from './dns';
import { NotificationSettings } from './notifications';

export const routes: Route[] = [
  { path: '/settings', screen: AccountSettings },
  { path: '/settings/notifications', screen: NotificationSettings },
  { path: '/settings/cas', screen: CaSettings },
  { path: '/settings/dns', screen: DnsSettings },
  { path: '/settings/deployments', screen: DeploymentSettings },
];
