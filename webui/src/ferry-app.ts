import { css, html, LitElement } from 'lit';
import { type Account, Api, ApiError, type Container, type ProviderInfo, type Status } from './api.js';
import { deviceWatch } from './live/device-watch.js';
import { shared } from './styles.js';
import './ferry-login.js';
import './ferry-devices.js';
import './ferry-accounts.js';
import { type OAuthResult, readOAuthResult } from './oauth-result.js';
import './ferry-containers.js';

type Page = 'devices' | 'accounts' | 'containers';
const PAGES: { id: Page; title: string }[] = [
  { id: 'containers', title: 'Containers' },
  { id: 'devices', title: 'Devices' },
  { id: 'accounts', title: 'Accounts' },
];

function pageFromHash(): Page {
  const id = location.hash.replace(/^#\/?/, '');
  return PAGES.find((page) => page.id === id)?.id ?? 'containers';
}

function takeOAuthResult(): OAuthResult | undefined {
  const result = readOAuthResult(location.search);
  // A reload or a bookmark must not show the result again.
  if (result) history.replaceState(null, '', `${location.pathname}${location.hash}`);
  return result;
}

/**
 * The panel: first run or login, then three pages (hash routes #/containers, #/devices,
 * #/accounts). Lists come from the HTTP API once per page load and after each action
 * (`ferry-changed`); the numbers that move come live from the documents inside the cards.
 */
export class FerryApp extends LitElement {
  static override properties = {
    phase: { state: true },
    user: { state: true },
    page: { state: true },
    status: { state: true },
    accounts: { state: true },
    containers: { state: true },
    providers: { state: true },
    loadedAt: { state: true },
    error: { state: true },
  };
  declare phase: 'loading' | 'setup' | 'login' | 'main';
  declare user: string;
  declare page: Page;
  declare status: Status;
  declare accounts: Account[];
  declare containers: Container[];
  declare providers: ProviderInfo[];
  declare loadedAt: number;
  declare error: string;
  private readonly api = new Api();
  /** Read once from the address the relay's OAuth callback sent the browser to, then dropped from it. */
  private readonly oauthResult: OAuthResult | undefined = takeOAuthResult();
  private readonly onHash = () => {
    this.page = pageFromHash();
  };

  static override styles = [
    shared,
    css`
      :host {
        min-height: 100vh;
        background: #f6f8fa;
      }
      header {
        background: #12263f;
        color: #fff;
        padding: 0.5rem 1rem;
      }
      header > .row {
        box-sizing: border-box;
        width: 100%;
        max-width: 60rem;
        margin: 0 auto;
      }
      header h1 {
        font-size: 1.2rem;
        margin: 0;
      }
      nav ul {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem;
        list-style: none;
        margin: 0;
        padding: 0;
      }
      nav a {
        display: inline-block;
        color: #fff;
        padding: 0.6rem 0.7rem;
        border-radius: 6px;
        text-decoration: none;
      }
      nav a[aria-current='page'] {
        background: #fff;
        color: #12263f;
        font-weight: 700;
      }
      header button {
        background: transparent;
        border-color: #fff;
      }
      main {
        max-width: 60rem;
        margin: 0 auto;
        padding: 1rem;
      }
      .skip {
        position: absolute;
        left: -999px;
      }
      .skip:focus {
        left: 0.5rem;
        top: 0.5rem;
        background: #fff;
        color: #12263f;
        padding: 0.5rem;
        z-index: 1;
      }
    `,
  ];

  constructor() {
    super();
    this.phase = 'loading';
    this.user = '';
    this.page = pageFromHash();
    this.status = { devices: [], containers: [] };
    this.accounts = [];
    this.containers = [];
    this.providers = [];
    this.loadedAt = Date.now();
    this.error = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onHash);
    void this.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.onHash);
  }

  private async start() {
    try {
      if (await this.api.setupNeeded()) {
        this.phase = 'setup';
        return;
      }
      const user = await this.api.me();
      if (user === undefined) {
        this.phase = 'login';
        return;
      }
      await this.enter(user);
    } catch (error) {
      this.error = error instanceof ApiError ? error.message : 'the relay cannot be reached';
      this.phase = 'login';
    }
  }

  private async enter(user: string) {
    this.user = user;
    await this.reload();
    this.phase = 'main';
  }

  /** Lists and the status snapshot; the cards' documents keep the numbers moving from here. */
  private async reload() {
    try {
      const [status, accounts, containers, providers] = await Promise.all([
        this.api.status(),
        this.api.accounts(),
        this.api.containers(),
        this.api.providers(),
      ]);
      Object.assign(this, { status, accounts, containers, providers, loadedAt: Date.now(), error: '' });
      // The speed chart's history: from now on, for every bound device, while the panel is open.
      deviceWatch.follow(status.devices.filter((d) => d.bound).map((d) => d.name));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        this.phase = 'login';
        return;
      }
      this.error = error instanceof ApiError ? error.message : 'the relay cannot be reached';
    }
  }

  private async logout() {
    try {
      await this.api.logout();
    } catch {
      // Already logged out (expired session): the login page is right either way.
    }
    this.user = '';
    this.phase = 'login';
    deviceWatch.follow([]);
  }

  override render() {
    if (this.phase === 'loading') return html`<main><p role="status">Loading…</p></main>`;
    if (this.phase !== 'main')
      return html`<header><div class="row"><h1>Ferry</h1></div></header>
        <main id="main">
          ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
          <ferry-login
            .api=${this.api}
            .mode=${this.phase}
            @ferry-logged-in=${(e: CustomEvent<{ user: string }>) => this.enter(e.detail.user)}
          ></ferry-login>
        </main>`;
    return html`
      <a class="skip" href="#main" @click=${this.skip}>Skip to content</a>
      <header>
        <div class="row spread">
          <h1>Ferry</h1>
          <nav aria-label="Pages">
            <ul>
              ${PAGES.map(
                (page) => html`<li>
                  <a href=${`#/${page.id}`} aria-current=${page.id === this.page ? 'page' : 'false'}>${page.title}</a>
                </li>`,
              )}
            </ul>
          </nav>
          <div class="row">
            <span>${this.user}</span>
            <button @click=${this.logout}>Log out</button>
          </div>
        </div>
      </header>
      <main id="main" tabindex="-1" @ferry-changed=${this.reload}>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''} ${this.renderPage()}
      </main>
    `;
  }

  private skip(event: Event) {
    event.preventDefault();
    this.renderRoot.querySelector<HTMLElement>('#main')?.focus();
  }

  private renderPage() {
    switch (this.page) {
      case 'devices':
        return html`<ferry-devices
          .api=${this.api}
          .devices=${this.status.devices}
          .loadedAt=${this.loadedAt}
        ></ferry-devices>`;
      case 'accounts':
        return html`<ferry-accounts
          .api=${this.api}
          .accounts=${this.accounts}
          .providers=${this.providers}
          .containers=${this.status.containers}
          .oauthResult=${this.oauthResult}
        ></ferry-accounts>`;
      case 'containers':
        return html`<ferry-containers
          .api=${this.api}
          .containers=${this.status.containers}
          .records=${this.containers}
          .accounts=${this.accounts}
          .devices=${this.status.devices.filter((d) => d.bound)}
        ></ferry-containers>`;
    }
  }
}
customElements.define('ferry-app', FerryApp);
