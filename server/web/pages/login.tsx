// The sign-in form: email and password (a user), or the owner's admin token (EARSHOT_ADMIN_TOKEN, or the one
// printed at first start).
import { CsrfField } from '../layout.js';

export function loginPage({ csrf, next, error, email }: { csrf: string; next: string; error?: string; email?: string }) {
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
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username" value={email ?? ''} autofocus />
      </div>
      <div class="field">
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" />
      </div>
      <details>
        <summary>Owner: sign in with the admin token</summary>
        <div class="field">
          <label for="token">Admin token</label>
          <input id="token" name="token" type="password" autocomplete="off" aria-describedby="token-hint" />
          <small class="hint" id="token-hint">
            The token set in EARSHOT_ADMIN_TOKEN, or the one printed in the log at first start.
          </small>
        </div>
      </details>
      <button type="submit">Sign in</button>
    </form>
  );
}

/** An invited user sets a password (the invite link is used up). */
export function invitePage({ csrf, action, error }: { csrf: string; action: string; error?: string }) {
  return (
    <form method="post" action={action} class="card narrow">
      <CsrfField token={csrf} />
      {error && (
        <p class="alert" role="alert">
          {error}
        </p>
      )}
      <div class="field">
        <label for="password">New password</label>
        <input id="password" name="password" type="password" autocomplete="new-password" required minlength={10} autofocus aria-describedby="password-hint" />
        <small class="hint" id="password-hint">
          At least 10 characters.
        </small>
      </div>
      <button type="submit">Set password and sign in</button>
    </form>
  );
}
