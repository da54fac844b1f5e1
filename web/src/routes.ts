// Which screen answers which hash path. Each area of the dashboard lists its own routes in
// screens/<area>/routes.ts; this file only puts them together.
import type { FunctionComponent } from 'preact';
import { routes as auth } from './screens/auth/routes';
import { routes as certificates } from './screens/certificates/routes';
import { routes as domains } from './screens/domains/routes';
import { routes as notifications } from './screens/notifications/routes';
import { routes as overview } from './screens/overview/routes';
import { routes as settings } from './screens/settings/routes';

export interface Route {
  path: string; // "/certificates/:id"
  // `lang` changes when the language does: the screen re-renders with the new strings.
  screen: FunctionComponent<{ params: Record<string, string>; query: URLSearchParams;
                              lang?: number }>;
  public?: boolean; // shown without signing in (sign up, log in, verify, reset)
}

export const ROUTES: Route[] = [...auth, ...overview, ...certificates, ...domains,
                                ...notifications, ...settings];
