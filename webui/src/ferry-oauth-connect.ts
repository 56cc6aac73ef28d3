import { css, html, LitElement } from 'lit';
import { type Api, ApiError, type OAuthCloudInfo } from './api.js';
import { callbackUrl } from './oauth-result.js';
import { asRefusal, refusalText } from './refusal.js';
import { shared } from './styles.js';

/**
 * "Connect a cloud": an OAuth sign-in for Google Drive or Dropbox with the user's own OAuth
 * app (client id and secret registered at the cloud, the relay's callback as redirect URI). The
 * relay answers the cloud's sign-in URL and the browser goes there; the cloud sends it back to
 * the relay, which saves the account and returns to the Accounts page with the result.
 */
export class FerryOAuthConnect extends LitElement {
  static override properties = {
    api: { attribute: false },
    clouds: { state: true },
    cloud: { state: true },
    error: { state: true },
    busy: { state: true },
  };
  declare api: Api;
  declare clouds: OAuthCloudInfo[];
  declare cloud: string;
  declare error: ApiError | undefined;
  declare busy: boolean;
  static override styles = [
    shared,
    // A long redirect URI wraps on a phone instead of widening the page.
    css`
      code {
        overflow-wrap: anywhere;
      }
    `,
  ];

  constructor() {
    super();
    this.clouds = [];
    this.cloud = '';
    this.error = undefined;
    this.busy = false;
  }

  override async connectedCallback() {
    super.connectedCallback();
    try {
      this.clouds = await this.api.oauthClouds();
    } catch (error) {
      this.error = error instanceof ApiError ? error : undefined;
    }
  }

  private get chosen(): OAuthCloudInfo | undefined {
    return this.clouds.find((cloud) => cloud.id === this.cloud) ?? this.clouds[0];
  }

  private async submit(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const value = (name: string) =>
      form.querySelector<HTMLInputElement>(`[name="${name}"]`)?.value.trim() ?? '';
    const optional = (name: string) => (value(name) === '' ? {} : { [name]: value(name) });
    this.error = undefined;
    this.busy = true;
    try {
      const { authorizeUrl } = await this.api.startOAuth({
        name: value('oauth-name'),
        cloud: this.chosen?.id ?? '',
        clientId: value('clientId'),
        clientSecret: value('clientSecret'),
        ...optional('authUrl'),
        ...optional('tokenUrl'),
      });
      location.assign(authorizeUrl);
    } catch (error) {
      this.error = asRefusal(error);
      this.busy = false;
    }
  }

  override render() {
    if (this.clouds.length === 0 && !this.error) return '';
    const cloud = this.chosen;
    return html`<form class="card" @submit=${this.submit} aria-labelledby="oauth-title">
      <h3 id="oauth-title">Connect a cloud (OAuth)</h3>
      <p class="help">
        Sign in at the cloud with an OAuth app of your own. Register it at the cloud
        ${cloud ? html`(${cloud.setup})` : ''} with this redirect URI:
        <code id="oauth-redirect">${callbackUrl()}</code>. The account becomes an rclone remote the
        relay and your devices use; other OAuth clouds: paste an rclone remote above (provider rclone,
        remoteConfig).
      </p>
      ${
        location.protocol === 'http:' && location.hostname !== 'localhost'
          ? html`<p class="warn" id="oauth-plain-http">
            Clouds take a plain-http redirect URI only on localhost: open this panel as
            <code>http://localhost:${location.port || '80'}</code>, or serve the relay over https.
          </p>`
          : ''
      }
      <label for="oauth-cloud">Cloud</label>
      <select id="oauth-cloud" @change=${(e: Event) => (this.cloud = (e.target as HTMLSelectElement).value)}>
        ${this.clouds.map((c) => html`<option value=${c.id} ?selected=${c.id === cloud?.id}>${c.label}</option>`)}
      </select>
      <label for="oauth-name">Name of the new account</label>
      <input id="oauth-name" name="oauth-name" required maxlength="64" autocomplete="off" />
      <label for="oauth-client-id">Client ID</label>
      <input id="oauth-client-id" name="clientId" required autocomplete="off" />
      <label for="oauth-client-secret">Client secret</label>
      <input id="oauth-client-secret" name="clientSecret" type="password" required autocomplete="new-password" />
      <details>
        <summary>Other sign-in endpoints (optional)</summary>
        <label for="oauth-auth-url">Authorization URL</label>
        <input id="oauth-auth-url" name="authUrl" type="url" autocomplete="off" />
        <label for="oauth-token-url">Token URL</label>
        <input id="oauth-token-url" name="tokenUrl" type="url" autocomplete="off" />
      </details>
      ${
        this.error
          ? html`<p class="error" role="alert">
            ${refusalText(this.error)}
          </p>`
          : ''
      }
      <button type="submit" ?disabled=${this.busy || !cloud}>${this.busy ? 'Opening…' : `Connect ${cloud?.label ?? ''}`}</button>
    </form>`;
  }
}
customElements.define('ferry-oauth-connect', FerryOAuthConnect);
