// The sign-in form: email and password (a user), or the owner's admin token (EARSHOT_ADMIN_TOKEN, or the one
// printed at first start); and the invite form where a new user sets a password.
import { PASSWORD_MIN_LENGTH } from '../../domain/passwords.js';
import type { Translate } from '../i18n/translator.js';
import { CsrfField } from '../layout.js';

export function loginPage({ t, csrf, next, error, email }: { t: Translate; csrf: string; next: string; error?: string; email?: string }) {
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
        <label for="email">{t('login.email')}</label>
        <input id="email" name="email" type="email" autocomplete="username" value={email ?? ''} autofocus />
      </div>
      <div class="field">
        <label for="password">{t('login.password')}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" />
      </div>
      <details>
        <summary>{t('login.owner')}</summary>
        <div class="field">
          <label for="token">{t('login.token')}</label>
          <input id="token" name="token" type="password" autocomplete="off" aria-describedby="token-hint" />
          <small class="hint" id="token-hint">
            {t('login.token_hint')}
          </small>
        </div>
      </details>
      <button type="submit">{t('login.submit')}</button>
    </form>
  );
}

/** An invited user sets a password (the invite link is used up). */
export function invitePage({ t, csrf, action, error }: { t: Translate; csrf: string; action: string; error?: string }) {
  return (
    <form method="post" action={action} class="card narrow">
      <CsrfField token={csrf} />
      {error && (
        <p class="alert" role="alert">
          {error}
        </p>
      )}
      <div class="field">
        <label for="password">{t('invite.password')}</label>
        <input id="password" name="password" type="password" autocomplete="new-password" required minlength={PASSWORD_MIN_LENGTH} autofocus aria-describedby="password-hint" />
        <small class="hint" id="password-hint">
          {t('invite.hint', { min: PASSWORD_MIN_LENGTH })}
        </small>
      </div>
      <button type="submit">{t('invite.submit')}</button>
    </form>
  );
}
