import type { Route } from '../../routes';
import { ForgotPassword, Login, ResetPassword, Signup, VerifyEmail } from './screens';

export const routes: Route[] = [
  { path: '/login', screen: Login, public: true },
  { path: '/signup', screen: Signup, public: true },
  { path: '/verify-email', screen: VerifyEmail, public: true },
  { path: '/forgot-password', screen: ForgotPassword, public: true },
  { path: '/reset-password', screen: ResetPassword, public: true },
];
