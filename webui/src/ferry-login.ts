import { html, LitElement } from 'lit';
import { type Api, ApiError } from './api.js';
import { asRefusal, refusalText } from './refusal.js';
import { shared } from './styles.js';

/**
 * The first-run page (`mode="setup"`: creates the first user) and the login page. Emits
 * `ferry-logged-in` with `{user}`; a refusal (wrong password, rate limit, name taken) stays on
 * the page in an alert next to the form.
 */
export class FerryLogin extends LitElement {
  static override properties = {
    api: { attribute: false },
    mode: {},
    error: { state: true },
    busy: { state: true },
  };
  declare api: Api;
  declare mode: 'setup' | 'login';
  declare error: ApiError | undefined;
  declare busy: boolean;
  static override styles = shared;

  constructor() {
    super();
    this.mode = 'login';
    this.error = undefined;
    this.busy = false;
  }

  private async submit(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const user = String(data.get('user') ?? '').trim();
    const password = String(data.get('password') ?? '');
    if (this.mode === 'setup' && password !== String(data.get('repeat') ?? '')) {
      this.error = new ApiError(400, 'FERRY_BAD_INPUT', 'the two passwords differ');
      return;
    }
    this.busy = true;
    this.error = undefined;
    try {
      const answer =
        this.mode === 'setup' ? await this.api.setup(user, password) : await this.api.login(user, password);
      this.dispatchEvent(
        new CustomEvent('ferry-logged-in', { detail: { user: answer.user }, bubbles: true }),
      );
    } catch (error) {
      this.error = asRefusal(error);
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const setup = this.mode === 'setup';
    const errorId = 'login-error';
    return html`
      <section class="card" aria-labelledby="login-title" style="max-width: 30rem; margin: 2rem auto">
        <h2 id="login-title">${setup ? 'Welcome to Ferry: create the first user' : 'Log in'}</h2>
        ${
          setup
            ? html`<p class="muted">No user exists on this relay yet. The first user owns the accounts,
              devices and containers you add here.</p>`
            : ''
        }
        <form @submit=${this.submit} aria-describedby=${this.error ? errorId : ''}>
          <label for="user">User name</label>
          <input id="user" name="user" autocomplete="username" required maxlength="64" />
          <label for="password"
            >Password ${setup ? html`<span class="help">8 to 1024 characters</span>` : ''}</label
          >
          <input
            id="password"
            name="password"
            type="password"
            required
            minlength=${setup ? 8 : 1}
            autocomplete=${setup ? 'new-password' : 'current-password'}
            aria-invalid=${this.error ? 'true' : 'false'}
          />
          ${
            setup
              ? html`<label for="repeat">Repeat the password</label>
                <input id="repeat" name="repeat" type="password" required autocomplete="new-password" />`
              : ''
          }
          ${
            this.error
              ? html`<p id=${errorId} class="error" role="alert">
                ${refusalText(this.error)}
              </p>`
              : ''
          }
          <p><button type="submit" ?disabled=${this.busy}>${setup ? 'Create user' : 'Log in'}</button></p>
        </form>
      </section>
    `;
  }
}
customElements.define('ferry-login', FerryLogin);
