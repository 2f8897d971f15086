// The tml console: sign-in, then solutions, streams, consumer groups and models, live from /v1.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, SIGNED_OUT } from './api.js';
import { Notice } from './components.js';
import { go, useRoute, type Route } from './router.js';
import { Aims } from './views/aims.js';
import { Groups } from './views/groups.js';
import { Models } from './views/models.js';
import { SignIn } from './views/signin.js';
import { SolutionView } from './views/solution.js';
import { Solutions } from './views/solutions.js';
import { Tail } from './views/tail.js';
import { Topics } from './views/topics.js';
import { Viz } from './views/viz.js';

export interface Who {
  role: 'admin' | 'user';
  tokenId: string;
}

function App() {
  const route = useRoute();
  const [who, setWho] = useState<Who | null | undefined>(undefined);
  const [reason, setReason] = useState<string | undefined>(route.query.get('reason') ?? undefined);

  useEffect(() => {
    api<Who>('GET', '/session').then(setWho, (error: unknown) => {
      setWho(null);
      if (error instanceof ApiError && error.status !== 401) setReason(error.message);
    });
    const out = (event: Event) => {
      setReason((event as CustomEvent<string>).detail);
      setWho(null);
    };
    window.addEventListener(SIGNED_OUT, out);
    return () => window.removeEventListener(SIGNED_OUT, out);
  }, []);

  if (who === undefined) return <p>Loading…</p>;
  if (who === null) {
    return (
      <SignIn
        reason={reason}
        onSignedIn={(w) => {
          setReason(undefined);
          setWho(w);
          if (route.path[0] === 'signin') go('#/');
        }}
      />
    );
  }
  const signOut = async () => {
    await api('DELETE', '/session').catch(() => undefined);
    setReason('signed out');
    setWho(null);
  };
  const section = route.path[0] ?? 'solutions';
  const nav = [
    ['solutions', 'Solutions'],
    ['topics', 'Streams'],
    ['groups', 'Consumer groups'],
    ['models', 'Models'],
    ...(who.role === 'admin' ? [['aims', 'AiMS']] : []),
  ];
  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}
      >
        Skip to content
      </a>
      <header class="top">
        <strong class="brand">tml console</strong>
        <nav aria-label="Sections">
          {nav.map(([id, label]) => (
            <a href={`#/${id}`} aria-current={section === id ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class="who">
          <span class={`badge badge-${who.role}`} data-testid="role">
            {who.role}
          </span>
          <button type="button" class="small" onClick={signOut}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} who={who} />
      </main>
    </>
  );
}

function Page({ route, who }: { route: Route; who: Who }) {
  const [section, name, sub] = route.path;
  switch (section) {
    case undefined:
    case 'signin':
    case 'solutions':
      return name === undefined ? <Solutions /> : <SolutionView name={name} who={who} />;
    case 'topics':
      return name !== undefined && sub === 'tail' ? <Tail topic={name} query={route.query} /> : <Topics />;
    case 'groups':
      return <Groups />;
    case 'aims':
      return <Aims />;
    case 'models':
      return <Models name={name} />;
    case 'viz':
      return <Viz view={name ?? ''} query={route.query} />;
    default:
      return <Notice kind="warn">There is no page “{section}” here. Pick a section above.</Notice>;
  }
}

render(<App />, document.getElementById('app')!);
