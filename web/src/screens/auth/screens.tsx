// Sign up, sign in, confirm the email address, forgot and reset the password.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, gql } from '../../api';
import { useAction } from '../../hooks';
import { setFlash } from '../../flash';
import { navigate } from '../../router';
import { signIn, signOut, token } from '../../session';
import { ErrorBox, Field, Loading, Notice, Page, fieldError } from '../../ui/common';
import { t } from './strings';

const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { token } }`;

async function logIn(email: string, password: string): Promise<true> {
  const data = await gql<{ login: { token: string } }>(LOGIN, { email, password }, true);
  signIn(data.login.token);
  return true;
}

function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function Login({ query }: { query: URLSearchParams }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction(logIn);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (await action.run(email, password) !== undefined) navigate(safeNext(query.get('next')));
  };
  return (
    <Page title={t('loginTitle')}>
      <form class="card narrow" onSubmit={submit} noValidate>
        <ErrorBox error={action.error} />
        <Field label={t('email')} type="email" autoComplete="username" required value={email}
               onValue={setEmail} error={fieldError(action.error, 'email')} />
        <Field label={t('password')} type="password" autoComplete="current-password" required
               value={password} onValue={setPassword}
               error={fieldError(action.error, 'password')} />
        <button type="submit" disabled={action.busy}>
          {action.busy ? t('signingIn') : t('signIn')}</button>
        <p><a href="#/forgot-password">{t('forgot')}</a></p>
        <p>{t('noAccount')} <a href="#/signup">{t('signUp')}</a></p>
      </form>
    </Page>
  );
}

export function Signup() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  // Registered already (the sign-in after it failed): a second press only signs in.
  const [registered, setRegistered] = useState<string | null>(null);
  const action = useAction(async () => {
    if (registered !== email) {
      await gql(`mutation Register($email: String!, $password: String!, $name: String) {
        register(email: $email, password: $password, name: $name) { userId } }`,
                { email, password, name: name || null }, true);
      setRegistered(email);
    }
    return logIn(email, password);
  });
  const submit = async (e: Event) => {
    e.preventDefault();
    if (await action.run()) {
      setFlash('welcome', email);
      navigate('/');
    }
  };
  return (
    <Page title={t('signupTitle')}>
      <form class="card narrow" onSubmit={submit} noValidate>
        <ErrorBox error={action.error} />
        <Field label={t('email')} type="email" autoComplete="email" required value={email}
               onValue={setEmail} error={fieldError(action.error, 'email')} />
        <Field label={t('password')} type="password" autoComplete="new-password" required
               value={password} onValue={setPassword} hint={t('passwordHint')}
               error={fieldError(action.error, 'password')} />
        <Field label={`${t('name')} ${t('optional')}`} autoComplete="name" value={name}
               onValue={setName} error={fieldError(action.error, 'name')} maxLength={100} />
        <button type="submit" disabled={action.busy}>
          {action.busy ? t('signingUp') : t('signUp')}</button>
        <p>{t('haveAccount')} <a href="#/login">{t('signIn')}</a></p>
      </form>
    </Page>
  );
}

/** Shown on the overview right after sign-up. */
export function Welcome({ email }: { email: string }) {
  return (
    <Notice kind="success">
      <p>{t('welcome', { email })}</p>
      <p class="muted">{t('mailHint')}</p>
    </Notice>
  );
}

export function VerifyEmail({ query }: { query: URLSearchParams }) {
  const secret = query.get('token');
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    if (!secret) return;
    history.replaceState(null, '', '#/verify-email'); // the token leaves the address bar
    gql<{ verifyEmail: { email: string } }>(
      'mutation Verify($token: String!) { verifyEmail(token: $token) { email emailVerified } }',
      { token: secret }, true).then((d) => setDone(d.verifyEmail.email),
                                    (e: ApiError) => setError(e));
  }, [secret]);
  return (
    <Page title={t('verifyTitle')}>
      <div class="card narrow">
        {!secret && !done && !error && <Notice kind="warning">{t('verifyNoToken')}</Notice>}
        {secret && !done && !error && <Loading label={t('verifying')} />}
        {error?.fields.token ? <LinkRefused /> : <ErrorBox error={error} />}
        {done && <Notice kind="success">{t('verified', { email: done })}</Notice>}
        {(done || error) &&
          <p><a class="button" href={token() ? '#/' : '#/login'}>
            {token() ? t('continue') : t('toLogin')}</a></p>}
      </div>
    </Page>
  );
}

/** casp refused the mailed token (VALIDATION_ERROR on `token`): the link is spent. */
function LinkRefused({ again }: { again?: boolean }) {
  return (
    <div class="notice error" role="alert">
      <p>{t('linkRefused')}</p>
      {again && <p><a href="#/forgot-password">{t('askAgain')}</a></p>}
    </div>
  );
}

export function ForgotPassword() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const action = useAction(() => gql(
    'mutation Forgot($email: String!) { forgotPassword(email: $email) { message } }', { email },
    true));
  const submit = async (e: Event) => {
    e.preventDefault();
    if (await action.run() !== undefined) setSent(true);
  };
  return (
    <Page title={t('forgotTitle')}>
      <form class="card narrow" onSubmit={submit} noValidate>
        {sent ? <Notice kind="success">{t('forgotSent')}</Notice> : <p>{t('forgotIntro')}</p>}
        <ErrorBox error={action.error} />
        <Field label={t('email')} type="email" autoComplete="email" required value={email}
               onValue={setEmail} error={fieldError(action.error, 'email')} />
        <button type="submit" disabled={action.busy}>{action.busy ? t('sending') : t('send')}</button>
        <p><a href="#/login">{t('signIn')}</a></p>
      </form>
    </Page>
  );
}

export function ResetPassword({ query }: { query: URLSearchParams }) {
  const [secret] = useState(() => query.get('token'));
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  useEffect(() => {
    if (secret) history.replaceState(null, '', '#/reset-password');
  }, [secret]);
  const action = useAction(() => gql(
    'mutation Reset($token: String!, $password: String!) { resetPassword(token: $token, password: $password) { userId } }',
    { token: secret, password }, true));
  const submit = async (e: Event) => {
    e.preventDefault();
    if (await action.run() !== undefined) {
      setDone(true);
      signOut(); // the token this browser kept was replaced with the password
    }
  };
  if (!secret) {
    return <Page title={t('resetTitle')}><Notice kind="warning">{t('resetNoToken')}</Notice></Page>;
  }
  return (
    <Page title={t('resetTitle')}>
      {done
        ? <div class="card narrow"><Notice kind="success">{t('resetDone')}</Notice>
            <p><a class="button" href="#/login">{t('toLogin')}</a></p></div>
        : <form class="card narrow" onSubmit={submit} noValidate>
            {action.error?.fields.token ? <LinkRefused again />
              : <ErrorBox error={action.error} />}
            <Field label={t('newPassword')} type="password" autoComplete="new-password" required
                   value={password} onValue={setPassword} hint={t('passwordHint')}
                   error={fieldError(action.error, 'password')} />
            <button type="submit" disabled={action.busy}>
              {action.busy ? t('resetting') : t('reset')}</button>
          </form>}
    </Page>
  );
}
