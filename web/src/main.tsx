/**
 * The Breakwater dashboard: a single page served by the daemon at /ui/ (src/api/static.ts),
 * reading the native API with the browser's credentials. Routing is by URL hash (#/host/1.2.3.4)
 * so the daemon serves plain static files. `?wall=1` gives the wall-display layout: the overview
 * alone, larger, without buttons.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { DialogHost } from './dialog';
import { live, useLive } from './live';
import { AttackPage } from './pages/attack';
import { AttacksPage } from './pages/attacks';
import { HostPage } from './pages/host';
import { MitigationsPage } from './pages/mitigations';
import { Overview } from './pages/overview';
import { TopTalkers } from './pages/top';
import { Flashes } from './ui';

const WALL = new URLSearchParams(location.search).get('wall') === '1';

interface Route {
  page: 'overview' | 'top' | 'attacks' | 'attack' | 'host' | 'mitigations' | 'unknown';
  arg: string;
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [path, q = ''] = raw.split('?', 2);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(q);
  const r = (page: Route['page'], arg = ''): Route => ({ page, arg, query });
  if (parts.length === 0) return r('overview');
  if (parts[0] === 'top' && parts.length === 1) return r('top');
  if (parts[0] === 'attacks' && parts.length === 1) return r('attacks');
  if (parts[0] === 'mitigations' && parts.length === 1) return r('mitigations');
  if (parts[0] === 'attack' && parts.length === 2) return r('attack', parts[1]);
  if (parts[0] === 'host' && parts.length === 2) return r('host', parts[1]);
  return r('unknown', path);
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => {
      setRoute(parseHash(location.hash));
      scrollTo(0, 0);
    };
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

const NAV: Array<{ page: Route['page']; path: string; label: string }> = [
  { page: 'overview', path: '#/', label: 'Overview' },
  { page: 'top', path: '#/top', label: 'Top talkers' },
  { page: 'attacks', path: '#/attacks', label: 'Attacks' },
  { page: 'mitigations', path: '#/mitigations', label: 'Mitigations' },
];

function HostSearch() {
  const [v, setV] = useState('');
  return (
    <form
      class="host-search"
      onSubmit={(e) => {
        e.preventDefault();
        if (v.trim()) location.hash = `#/host/${encodeURIComponent(v.trim())}`;
        setV('');
      }}
    >
      <input type="search" name="host" placeholder="host address…" aria-label="open a host" value={v} onInput={(e) => setV((e.target as HTMLInputElement).value)} spellcheck={false} />
    </form>
  );
}

function Header({ route }: { route: Route }) {
  const l = useLive();
  const d = l.status?.daemon;
  const stream = l.stream === 'open' ? 'live' : l.stream === 'connecting' ? 'connecting…' : 'disconnected';
  return (
    <header class="top-bar">
      <a class="brand" href="#/">
        <span class="logo" aria-hidden="true">≋</span> Breakwater
      </a>
      {!WALL && (
        <nav>
          {NAV.map((n) => (
            <a key={n.page} href={n.path} class={route.page === n.page || (n.page === 'attacks' && route.page === 'attack') ? 'current' : ''}>
              {n.label}
            </a>
          ))}
        </nav>
      )}
      <div class="top-right">
        {d?.dryRun && <span class="badge dry">dry run</span>}
        {d && !d.mitigationEnabled && <span class="badge warn">mitigation disabled</span>}
        {!WALL && <HostSearch />}
        <span class={`stream stream-${l.stream}`} title={l.stream === 'open' ? 'receiving the event stream' : 'the event stream is not connected: graphs are paused'} data-stream={l.stream}>
          <span class="dot" /> {stream}
        </span>
        {d && <span class="muted version">v{d.version}</span>}
      </div>
    </header>
  );
}

function App() {
  const route = useRoute();
  const l = useLive();
  let page;
  if (WALL) page = <Overview wall />;
  else if (route.page === 'overview') page = <Overview wall={false} />;
  else if (route.page === 'top') page = <TopTalkers />;
  else if (route.page === 'attacks') page = <AttacksPage />;
  else if (route.page === 'attack') page = <AttackPage key={route.arg} id={route.arg} />;
  else if (route.page === 'host') page = <HostPage key={route.arg} ip={route.arg} />;
  else if (route.page === 'mitigations') page = <MitigationsPage query={route.query} />;
  else
    page = (
      <div class="page">
        <h1>Not found</h1>
        <p>
          There is no page <code>{route.arg}</code>. <a href="#/">Back to the overview</a>.
        </p>
      </div>
    );
  return (
    <>
      <Header route={route} />
      {l.statusError && !l.status && (
        <div class="error-box page-error" role="alert">
          Cannot read the daemon's status: {l.statusError}
        </div>
      )}
      <main>{page}</main>
      <Flashes />
      <DialogHost />
    </>
  );
}

if (WALL) document.documentElement.classList.add('wall');
const root = document.getElementById('app')!;
// The loading message is static HTML: Preact renders beside existing children, so clear them.
root.textContent = '';
render(<App />, root);
void live.start();
