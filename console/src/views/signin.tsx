// Sign-in: a token is sent once and exchanged for an HttpOnly session cookie; it is never stored.
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { Notice } from '../components.js';
import type { Who } from '../main.js';

export function SignIn(props: { reason?: string; onSignedIn: (who: Who) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const who = await api<Who>('POST', '/session', { token: token.trim() });
      setToken('');
      props.onSignedIn(who);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin" id="main">
      <h1>tml console</h1>
      {props.reason !== undefined && props.reason !== '' && (
        <Notice kind="warn">
          <span data-testid="signin-reason">{props.reason}</span>
        </Notice>
      )}
      <form onSubmit={submit}>
        <label for="token">Token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          required
          value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)}
          aria-describedby="token-help"
        />
        <p id="token-help" class="help">
          An admin or user token (an admin token is in <code>admin.tok</code> in the data directory). It is
          exchanged for a session cookie and not kept by the browser.
        </p>
        {error !== undefined && <Notice kind="error">{error}</Notice>}
        <button type="submit" disabled={busy || token.trim() === ''}>
          Sign in
        </button>
      </form>
    </main>
  );
}
