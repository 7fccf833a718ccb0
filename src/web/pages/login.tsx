// Shown when the server answers 401: a token field that POSTs to /api/v1/session, which sets
// an HttpOnly session cookie and answers the CSRF token; the app then reloads its data.
import { useState } from "preact/hooks";
import { signIn } from "../api.js";

export function LoginPage() {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(token);
    } catch (err) {
      setError((err as Error).message === "sign in to see this" ? "That token was not accepted." : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="login">
      <form class="panel" onSubmit={submit}>
        <div class="row">
          <img src="/web/favicon.svg" width={32} height={32} alt="" />
          <h1>Sign in to Vigil</h1>
        </div>
        <p class="muted" style={{ margin: 0 }}>
          This server requires an API token. Paste one (an administrator makes it with <code>vigil token create --role viewer</code>, or operator to act).
        </p>
        <label class="field">
          Token
          <input type="password" name="token" autoComplete="current-password" value={token} onInput={(e) => setToken(e.currentTarget.value)} autoFocus />
        </label>
        {error && <div class="error-box">{error}</div>}
        <button type="submit" class="primary" disabled={busy || token === ""}>
          Sign in
        </button>
      </form>
    </div>
  );
}
