import { html, LitElement } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import {
  type Account,
  type Api,
  ApiError,
  type ContainerStatusView,
  fieldOfError,
  type OptionSpec,
  type ProviderInfo,
} from './api.js';
import { formatExact } from './format.js';
import type { OAuthResult } from './oauth-result.js';
import './ferry-oauth-connect.js';
import { AUTH_FIX, accountProblems, deviceWatch } from './live/device-watch.js';
import { asRefusal, refusalText } from './refusal.js';
import { shared } from './styles.js';

type OptionValue = string | number | boolean;

const describeRefusal = (refusal: ApiError): string =>
  `${refusal.message}${refusal.hint ? ` (${refusal.hint})` : ''}`;

const INPUT_TYPE: Record<OptionSpec['type'], string> = {
  string: 'text',
  secret: 'password',
  url: 'url',
  integer: 'number',
  boolean: 'checkbox',
  path: 'text',
};

/**
 * Accounts page: the list (with "needs attention"), new options in place ("Update options", the
 * fix for a refused credential), removal, and the add form generated from
 * the chosen provider's options schema (`/api/providers`). A refusal of the options — the
 * schema check or the relay's test listing — is shown next to the field it is about.
 */
export class FerryAccounts extends LitElement {
  static override properties = {
    api: { attribute: false },
    accounts: { attribute: false },
    providers: { attribute: false },
    containers: { attribute: false },
    provider: { state: true },
    fieldErrors: { state: true },
    formError: { state: true },
    busy: { state: true },
    listError: { state: true },
    editing: { state: true },
    editErrors: { state: true },
    editError: { state: true },
    editBusy: { state: true },
    oauthResult: { attribute: false },
  };
  declare api: Api;
  declare accounts: Account[];
  declare providers: ProviderInfo[];
  /** The user's containers: an account needs attention when a device reports AUTH for one of them. */
  declare containers: ContainerStatusView[];
  declare provider: string;
  declare fieldErrors: Record<string, string>;
  declare formError: ApiError | undefined;
  declare busy: boolean;
  declare listError: ApiError | undefined;
  /** The account whose options are being updated (one at a time). */
  declare editing: string | undefined;
  declare editErrors: Record<string, string>;
  declare editError: ApiError | undefined;
  declare editBusy: boolean;
  /** What the last OAuth sign-in came back with (the relay's callback put it in the address). */
  declare oauthResult: OAuthResult | undefined;
  static override styles = shared;

  constructor() {
    super();
    this.accounts = [];
    this.providers = [];
    this.provider = '';
    this.fieldErrors = {};
    this.formError = undefined;
    this.busy = false;
    this.listError = undefined;
    this.containers = [];
    this.editing = undefined;
    this.editErrors = {};
    this.editError = undefined;
    this.editBusy = false;
  }

  private stopWatch: (() => void) | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    // The devices' status docs (followed by the app) say when a device cannot use an account.
    this.stopWatch = deviceWatch.onChange(() => this.requestUpdate());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopWatch?.();
  }

  private get chosen(): ProviderInfo | undefined {
    return this.providers.find((p) => p.name === this.provider) ?? this.providers[0];
  }

  /**
   * The typed options. In an update (`prefix` 'edit') an empty field or a "keep" choice is left
   * out, so the saved value stays; in a new account an empty field is the provider's default.
   */
  private readOptions(
    form: HTMLFormElement,
    spec: readonly OptionSpec[],
    prefix = 'opt',
  ): Record<string, OptionValue> {
    const options: Record<string, OptionValue> = {};
    for (const option of spec) {
      const input = form.querySelector<HTMLInputElement | HTMLSelectElement>(
        `[name="${prefix}-${option.key}"]`,
      );
      if (!input) continue;
      if (option.type === 'boolean' && input instanceof HTMLInputElement) options[option.key] = input.checked;
      else if (option.type === 'boolean') {
        if (input.value !== '') options[option.key] = input.value === 'true';
      } else if (input.value.trim() === '') continue;
      else if (option.type === 'integer') options[option.key] = Number(input.value);
      else options[option.key] = option.type === 'secret' ? input.value : input.value.trim();
    }
    return options;
  }

  /** Which field a refusal of the provider options is about, as `{[id]: text}`, or undefined. */
  private optionError(
    refusal: ApiError,
    spec: readonly OptionSpec[],
    options: Record<string, OptionValue>,
    prefix: string,
  ): Record<string, string> | undefined {
    if (refusal.code !== 'FERRY_BAD_PROVIDER_OPTIONS') return undefined;
    const field = fieldOfError(
      refusal.message,
      spec.map((option) => option.key),
      options,
    );
    return field ? { [`${prefix}-${field}`]: describeRefusal(refusal) } : undefined;
  }

  private async submit(event: SubmitEvent) {
    event.preventDefault();
    const provider = this.chosen;
    if (!provider) return;
    const form = event.target as HTMLFormElement;
    const name = (form.querySelector<HTMLInputElement>('[name="account-name"]')?.value ?? '').trim();
    const options = this.readOptions(form, provider.options);
    this.busy = true;
    this.fieldErrors = {};
    this.formError = undefined;
    try {
      await this.api.addAccount(name, provider.name, options);
      form.reset();
      this.dispatchEvent(new CustomEvent('ferry-changed', { bubbles: true, composed: true }));
    } catch (error) {
      const refusal = asRefusal(error);
      const onField = this.optionError(refusal, provider.options, options, 'opt');
      if (onField) this.fieldErrors = onField;
      else if (refusal.code === 'FERRY_CONFLICT' || /account name|'name'/.test(refusal.message)) {
        this.fieldErrors = { 'account-name': describeRefusal(refusal) };
      } else this.formError = refusal;
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
    } finally {
      this.busy = false;
    }
  }

  private async openUpdate(account: string) {
    this.editing = account;
    this.editErrors = {};
    this.editError = undefined;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('#edit-title')?.focus();
  }

  private async submitUpdate(event: SubmitEvent, account: Account, spec: readonly OptionSpec[]) {
    event.preventDefault();
    const options = this.readOptions(event.target as HTMLFormElement, spec, 'edit');
    this.editErrors = {};
    this.editError = undefined;
    if (Object.keys(options).length === 0) {
      this.editError = new ApiError(
        400,
        'FERRY_BAD_INPUT',
        'nothing to change',
        'fill in the options to replace',
      );
      return;
    }
    this.editBusy = true;
    try {
      await this.api.updateAccount(account.name, options);
      this.editing = undefined;
      this.dispatchEvent(new CustomEvent('ferry-changed', { bubbles: true, composed: true }));
    } catch (error) {
      const refusal = asRefusal(error);
      const onField = this.optionError(refusal, spec, options, 'edit');
      if (onField) this.editErrors = onField;
      else this.editError = refusal;
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
    } finally {
      this.editBusy = false;
    }
  }

  /** Signs in at the cloud again with the account's saved OAuth app (a revoked or expired token). */
  private async reconnect(name: string) {
    this.listError = undefined;
    try {
      const { authorizeUrl } = await this.api.startOAuth({ name, reconnect: true });
      location.assign(authorizeUrl);
    } catch (error) {
      this.listError = asRefusal(error);
    }
  }

  private renderOAuthResult() {
    const result = this.oauthResult;
    if (!result) return '';
    const dismiss = html`<button class="secondary" @click=${() => (this.oauthResult = undefined)}>Dismiss</button>`;
    return result.connected
      ? html`<div class="card row spread" role="status">
          <p class="ok">Connected: account ${result.account} is saved; add a container for it.</p>
          ${dismiss}
        </div>`
      : html`<div class="card row spread" role="alert">
          <p class="error">
            ${result.account ? `Connecting ${result.account} failed: ` : 'The sign-in failed: '}${refusalText({ message: result.message ?? '', hint: result.hint })}
          </p>
          ${dismiss}
        </div>`;
  }

  private async removeAccount(name: string) {
    this.listError = undefined;
    try {
      await this.api.removeAccount(name);
      this.dispatchEvent(new CustomEvent('ferry-changed', { bubbles: true, composed: true }));
    } catch (error) {
      this.listError = error instanceof ApiError ? error : undefined;
    }
  }

  private field(id: string, label: string, help: string, input: unknown, errors = this.fieldErrors) {
    const error = errors[id];
    return html`
      <label for=${id}>${label}${help ? html` <span class="help" id=${`${id}-help`}>${help}</span>` : ''}</label>
      ${input}
      ${error ? html`<p class="error" id=${`${id}-error`} role="alert">${error}</p>` : ''}
    `;
  }

  private optionInput(option: OptionSpec) {
    const id = `opt-${option.key}`;
    const invalid = this.fieldErrors[id] !== undefined;
    const described = [`${id}-help`, invalid ? `${id}-error` : ''].filter(Boolean).join(' ');
    const label = `${option.key}${option.required ? '' : ' (optional)'}`;
    if (option.type === 'boolean')
      return this.field(
        id,
        label,
        option.help,
        html`<input
          id=${id}
          name=${id}
          type="checkbox"
          ?checked=${option.default === true}
          aria-describedby=${described}
          aria-invalid=${invalid ? 'true' : 'false'}
        />`,
      );
    if (option.multiline)
      return this.field(id, label, option.help, this.textArea(id, described, invalid, option.required));
    return this.field(
      id,
      label,
      option.help,
      html`<input
        id=${id}
        name=${id}
        type=${INPUT_TYPE[option.type]}
        ?required=${option.required}
        placeholder=${option.default === undefined ? '' : String(option.default)}
        autocomplete=${option.type === 'secret' ? 'new-password' : 'off'}
        aria-describedby=${described}
        aria-invalid=${invalid ? 'true' : 'false'}
      />`,
    );
  }

  /** A value that spans lines (a PEM key, an rclone remote): a password field would drop the line breaks. */
  private textArea(id: string, described: string, invalid: boolean, required: boolean) {
    return html`<textarea
      id=${id}
      name=${id}
      rows="5"
      spellcheck="false"
      autocomplete="off"
      ?required=${required}
      aria-describedby=${described}
      aria-invalid=${invalid ? 'true' : 'false'}
    ></textarea>`;
  }

  /** An option in the update form: empty (or "keep") leaves the saved value; secrets are never shown. */
  private updateInput(option: OptionSpec) {
    const id = `edit-${option.key}`;
    const invalid = this.editErrors[id] !== undefined;
    const described = [`${id}-help`, invalid ? `${id}-error` : ''].filter(Boolean).join(' ');
    const help = `${option.help}; empty keeps the saved value`;
    const input = option.multiline
      ? this.textArea(id, described, invalid, false)
      : option.type === 'boolean'
        ? html`<select id=${id} name=${id} aria-describedby=${described} aria-invalid=${invalid ? 'true' : 'false'}>
            <option value="">keep the saved value</option>
            <option value="true">on</option>
            <option value="false">off</option>
          </select>`
        : html`<input
            id=${id}
            name=${id}
            type=${INPUT_TYPE[option.type]}
            autocomplete=${option.type === 'secret' ? 'new-password' : 'off'}
            aria-describedby=${described}
            aria-invalid=${invalid ? 'true' : 'false'}
          />`;
    return this.field(id, option.key, help, input, this.editErrors);
  }

  private renderUpdate(account: Account) {
    const spec = this.providers.find((p) => p.name === account.provider)?.options ?? [];
    return html`<form
      class="update"
      @submit=${(event: SubmitEvent) => this.submitUpdate(event, account, spec)}
      aria-labelledby="edit-title"
      novalidate
    >
      <h4 id="edit-title" tabindex="-1">New options for ${account.name}</h4>
      <p class="help">
        Fill in only what changes (a new password, token or key): the other options keep their saved
        values, which are never shown. The relay tries one listing first; the containers of this account
        go on with the new options.
      </p>
      ${spec.map((option) => this.updateInput(option))}
      ${
        this.editError
          ? html`<p class="error" role="alert">
            ${refusalText(this.editError)}
          </p>`
          : ''
      }
      <div class="row">
        <button type="submit" ?disabled=${this.editBusy}>${this.editBusy ? 'Checking…' : 'Save options'}</button>
        <button type="button" class="secondary" @click=${() => (this.editing = undefined)}>Cancel</button>
      </div>
    </form>`;
  }

  private renderProblems(account: string) {
    const problems = accountProblems(account, this.containers, (device) => deviceWatch.status(device));
    if (problems.length === 0) return '';
    return html`<div class="attention">
      <p class="warn"><span class="badge warn">Needs attention</span> the provider refused the credentials:</p>
      <ul>
        ${problems.map((p) => html`<li>${p.device} (container ${p.container}): <code>${p.error}</code></li>`)}
      </ul>
      <p>${AUTH_FIX}</p>
    </div>`;
  }

  override render() {
    const provider = this.chosen;
    const nameInvalid = this.fieldErrors['account-name'] !== undefined;
    return html`
      <section aria-labelledby="accounts-title">
        <h2 id="accounts-title">Accounts</h2>
        ${this.renderOAuthResult()}
        ${this.listError ? html`<p class="error" role="alert">${this.listError.message}</p>` : ''}
        ${
          this.accounts.length === 0
            ? html`<p class="muted">No account yet: add the first cloud account below.</p>`
            : html`<ul class="plain" aria-label="Accounts">
              ${this.accounts.map(
                (account) => html`<li class="card row spread">
                  <div>
                    <h3>${account.name}</h3>
                    <span class="muted">${account.provider}, added ${formatExact(account.createdAt)}</span>
                    ${
                      account.needsAttention
                        ? html`<p class="warn"><span class="badge warn">Needs attention</span> ${account.needsAttention}</p>`
                        : ''
                    }
                    ${this.renderProblems(account.name)}
                    ${this.editing === account.name ? this.renderUpdate(account) : ''}
                  </div>
                  <div class="row">
                    ${
                      account.oauth
                        ? html`<button
                          class="secondary"
                          aria-label=${`Reconnect ${account.name}`}
                          @click=${() => this.reconnect(account.name)}
                        >
                          Reconnect
                        </button>`
                        : ''
                    }
                    <button
                      class="secondary"
                      aria-label=${`Update options of ${account.name}`}
                      aria-expanded=${this.editing === account.name ? 'true' : 'false'}
                      @click=${() => this.openUpdate(account.name)}
                    >
                      Update options
                    </button>
                    <button class="danger" aria-label=${`Remove account ${account.name}`} @click=${() => this.removeAccount(account.name)}>
                      Remove
                    </button>
                  </div>
                </li>`,
              )}
            </ul>`
        }
        <form class="card" @submit=${this.submit} aria-labelledby="add-account-title" novalidate>
          <h3 id="add-account-title">Add an account</h3>
          <label for="provider">Provider</label>
          <select
            id="provider"
            name="provider"
            @change=${(e: Event) => {
              this.provider = (e.target as HTMLSelectElement).value;
              this.fieldErrors = {};
              this.formError = undefined;
            }}
          >
            ${this.providers.map(
              (p) =>
                html`<option value=${p.name} ?selected=${p.name === provider?.name}>${p.name}: ${p.description}</option>`,
            )}
          </select>
          ${this.field(
            'account-name',
            'Account name',
            'letters, digits, dot, dash or underscore',
            html`<input
              id="account-name"
              name="account-name"
              required
              maxlength="64"
              aria-describedby=${nameInvalid ? 'account-name-help account-name-error' : 'account-name-help'}
              aria-invalid=${nameInvalid ? 'true' : 'false'}
            />`,
          )}
          <fieldset style="border: none; padding: 0; margin: 0">
            <legend class="visually-hidden">Options of ${provider?.name ?? 'the provider'}</legend>
            ${keyed(
              provider?.name,
              // Fresh inputs per provider: a secret typed for one never lands in another's field.
              provider?.options.map((option) => this.optionInput(option)),
            )}
          </fieldset>
          ${
            this.formError
              ? html`<p class="error" role="alert">
                ${refusalText(this.formError)}
              </p>`
              : ''
          }
          <p class="help">The relay tries one listing with these options before it saves anything.</p>
          <button type="submit" ?disabled=${this.busy}>${this.busy ? 'Checking…' : 'Add account'}</button>
        </form>
        <ferry-oauth-connect .api=${this.api}></ferry-oauth-connect>
      </section>
    `;
  }
}
customElements.define('ferry-accounts', FerryAccounts);
