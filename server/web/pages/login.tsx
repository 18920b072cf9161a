// The sign-in form: the admin token (EARSHOT_ADMIN_TOKEN, or the one printed at first start).
import { CsrfField } from '../layout.js';

export function loginPage({ csrf, next, error }: { csrf: string; next: string; error?: string }) {
  return (
    <form method="post" action="/console/login" class="card narrow">
      <CsrfField token={csrf} />
      <input type="hidden" name="next" value={next} />
      {error && (
        <p class="alert" role="alert">
          {error}
        </p>
      )}
      <div class="field">
        <label for="token">Admin token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required autofocus aria-describedby="token-hint" />
        <small class="hint" id="token-hint">
          The token set in EARSHOT_ADMIN_TOKEN, or the one printed in the log at first start.
        </small>
      </div>
      <button type="submit">Sign in</button>
    </form>
  );
}
