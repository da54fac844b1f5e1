import './styles.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { applyToDocument, strings } from './i18n';
import { liveRegion } from './ui/announce';
import { Layout, LanguageSwitch } from './layout';
import { match, navigate, useLocation } from './router';
import { ROUTES } from './routes';
import { onSessionChange, token } from './session';

const t = strings({
  notFound: 'There is no such page.',
  home: 'Go to the overview',
}, {
  notFound: '没有这个页面。',
  home: '返回概览',
});

function NotFound() {
  return <section class="page"><h1>{t('notFound')}</h1><p><a href="#/">{t('home')}</a></p></section>;
}

function App() {
  const where = useLocation();
  const [signedIn, setSignedIn] = useState(() => token() !== null);
  const [langRound, setLangRound] = useState(0);
  useEffect(() => onSessionChange(() => setSignedIn(token() !== null)), []);
  let found: { route: (typeof ROUTES)[number]; params: Record<string, string> } | null = null;
  for (const route of ROUTES) {
    const params = match(route.path, where.path);
    if (params) {
      found = { route, params };
      break;
    }
  }
  const needsLogin = found !== null && !found.route.public && !signedIn;
  useEffect(() => {
    if (needsLogin) navigate('/login', where.path === '/' ? undefined : { next: where.path }, true);
  }, [needsLogin, where.path]);
  const relang = () => setLangRound((r) => r + 1);
  if (needsLogin) return null;
  const Screen = found?.route.screen ?? NotFound;
  // A language change re-renders in place (langRound): forms keep what was typed, and
  // nothing is fetched or subscribed again.
  const screen = <Screen key={where.path} lang={langRound} params={found?.params ?? {}}
                         query={where.query} />;
  if (found?.route.public || !signedIn) {
    return (
      <div class="public">
        <header class="public-head">
          <a class="brand" href="#/">casp</a>
          <LanguageSwitch onChange={relang} />
        </header>
        <main id="main" tabIndex={-1}>{screen}</main>
      </div>
    );
  }
  return <Layout path={where.path} lang={langRound} onLang={relang}>{screen}</Layout>;
}

applyToDocument();
liveRegion();
const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
