import { html, LitElement } from 'lit';
import {
  type Account,
  type Api,
  ApiError,
  type Container,
  type ContainerStatusView,
  type DeviceStatusView,
  deviceTitle,
  type NewContainer,
} from './api.js';
import { asRefusal } from './refusal.js';
import { shared } from './styles.js';
import './ferry-container-card.js';
import './ferry-folder-picker.js';

const HOUR = 3_600_000;

/** Which field of the create form a refusal names (the relay's messages quote the value or the field). */
function containerField(error: ApiError, input: NewContainer): string | undefined {
  const m = error.message;
  if (/group ?size|groupSize/i.test(m)) return 'c-group-size';
  if (/interval|crawlIntervalMs/i.test(m)) return 'c-interval';
  if (/folder/i.test(m)) return 'c-folder';
  if (/account/i.test(m) && m.includes(`'${input.account}'`)) return 'c-account';
  if (/device/i.test(m) && m.includes(`'${input.device}'`)) return 'c-device';
  if (/container|name/i.test(m)) return 'c-name';
  return undefined;
}

/**
 * Containers page: one live card per container and the create form (account, optional folder,
 * device, group size, crawl interval). Emits `ferry-changed` after an action.
 */
export class FerryContainers extends LitElement {
  static override properties = {
    api: { attribute: false },
    containers: { attribute: false },
    records: { attribute: false },
    accounts: { attribute: false },
    devices: { attribute: false },
    fieldError: { state: true },
    formError: { state: true },
    messages: { state: true },
    busy: { state: true },
    folder: { state: true },
    browsing: { state: true },
  };
  declare api: Api;
  declare containers: ContainerStatusView[];
  declare records: Container[];
  declare accounts: Account[];
  declare devices: DeviceStatusView[];
  declare fieldError: { id: string; text: string } | undefined;
  declare formError: ApiError | undefined;
  declare messages: Record<string, string>;
  declare busy: boolean;
  /** The folder field's value (typed, or picked by browsing the account). */
  declare folder: string;
  /** The account whose folders the picker walks, while it is open. */
  declare browsing: string | undefined;
  static override styles = shared;

  constructor() {
    super();
    this.containers = [];
    this.records = [];
    this.accounts = [];
    this.devices = [];
    this.fieldError = undefined;
    this.formError = undefined;
    this.messages = {};
    this.busy = false;
    this.folder = '';
    this.browsing = undefined;
  }

  private toggleBrowse() {
    const account = this.renderRoot.querySelector<HTMLSelectElement>('#c-account')?.value ?? '';
    this.browsing = this.browsing === undefined && account !== '' ? account : undefined;
  }

  private async closeBrowse(picked?: string) {
    if (picked !== undefined) this.folder = picked;
    this.browsing = undefined;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(picked === undefined ? '#c-browse' : '#c-folder')?.focus();
  }

  private async submit(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const text = (key: string) => String(data.get(key) ?? '').trim();
    const input: NewContainer = {
      name: text('c-name'),
      account: text('c-account'),
      device: text('c-device'),
    };
    if (text('c-folder') !== '') input.folder = text('c-folder');
    if (text('c-group-size') !== '') input.groupSize = Number(text('c-group-size'));
    if (text('c-interval') !== '') input.crawlIntervalMs = Math.round(Number(text('c-interval')) * HOUR);
    this.busy = true;
    this.fieldError = undefined;
    this.formError = undefined;
    try {
      await this.api.addContainer(input);
      form.reset();
      this.folder = '';
      this.browsing = undefined;
      this.dispatchEvent(new CustomEvent('ferry-changed', { bubbles: true, composed: true }));
    } catch (error) {
      const refusal = asRefusal(error);
      const id = containerField(refusal, input);
      const message = `${refusal.message}${refusal.hint ? ` (${refusal.hint})` : ''}`;
      if (id) this.fieldError = { id, text: message };
      else this.formError = refusal;
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
    } finally {
      this.busy = false;
    }
  }

  private async crawl(event: CustomEvent<{ name: string }>) {
    const name = event.detail.name;
    try {
      await this.api.crawlNow(name);
      this.messages = { ...this.messages, [name]: 'Crawl started.' };
    } catch (error) {
      this.messages = {
        ...this.messages,
        [name]: error instanceof ApiError ? error.message : 'the request failed',
      };
    }
  }

  private async removeContainer(event: CustomEvent<{ name: string }>) {
    const name = event.detail.name;
    try {
      await this.api.removeContainer(name);
      this.dispatchEvent(new CustomEvent('ferry-changed', { bubbles: true, composed: true }));
    } catch (error) {
      this.messages = {
        ...this.messages,
        [name]: error instanceof ApiError ? error.message : 'the request failed',
      };
    }
  }

  private field(id: string, label: string, help: string, control: unknown) {
    const error = this.fieldError?.id === id ? this.fieldError.text : undefined;
    return html`
      <label for=${id}>${label}${help ? html` <span class="help">${help}</span>` : ''}</label>
      ${control} ${error ? html`<p class="error" id=${`${id}-error`} role="alert">${error}</p>` : ''}
    `;
  }

  private invalid(id: string): 'true' | 'false' {
    return this.fieldError?.id === id ? 'true' : 'false';
  }

  override render() {
    const described = (id: string) => (this.fieldError?.id === id ? `${id}-error` : '');
    const canCreate = this.accounts.length > 0 && this.devices.length > 0;
    return html`
      <section aria-labelledby="containers-title">
        <h2 id="containers-title">Containers</h2>
        ${
          this.containers.length === 0
            ? html`<p class="muted">No container yet: a container backs up one account (or one folder of it) onto one device.</p>`
            : html`<ul class="plain" aria-label="Containers">
              ${this.containers.map(
                (container) => html`<li>
                  <ferry-container-card
                    .container=${container}
                    .crawlIntervalMs=${this.records.find((r) => r.name === container.name)?.crawlIntervalMs}
                    .deviceLabel=${this.devices.find((d) => d.name === container.device)?.label ?? undefined}
                    .message=${this.messages[container.name] ?? ''}
                    @ferry-crawl=${this.crawl}
                    @ferry-remove=${this.removeContainer}
                  ></ferry-container-card>
                </li>`,
              )}
            </ul>`
        }
        <form class="card" @submit=${this.submit} aria-labelledby="add-container-title" novalidate>
          <h3 id="add-container-title">Add a container</h3>
          ${canCreate ? '' : html`<p class="warn">Add an account and pair a device first.</p>`}
          ${this.field(
            'c-name',
            'Container name',
            'also the folder name on the disk',
            html`<input id="c-name" name="c-name" required maxlength="64"
              aria-invalid=${this.invalid('c-name')} aria-describedby=${described('c-name')} />`,
          )}
          ${this.field(
            'c-account',
            'Account',
            '',
            html`<select id="c-account" name="c-account" required aria-invalid=${this.invalid('c-account')}
              @change=${() => (this.browsing = undefined)}
              aria-describedby=${described('c-account')}>
              ${this.accounts.map((a) => html`<option value=${a.name}>${a.name} (${a.provider})</option>`)}
            </select>`,
          )}
          ${this.field(
            'c-folder',
            'Folder (optional)',
            'a folder of the account; empty backs up the whole account',
            html`<div class="row field-row">
                <input id="c-folder" name="c-folder" aria-invalid=${this.invalid('c-folder')}
                  aria-describedby=${described('c-folder')} .value=${this.folder}
                  @input=${(e: InputEvent) => (this.folder = (e.target as HTMLInputElement).value)} />
                <button type="button" id="c-browse" class="secondary" ?disabled=${this.accounts.length === 0}
                  aria-expanded=${this.browsing === undefined ? 'false' : 'true'} aria-controls="c-folder-picker"
                  @click=${this.toggleBrowse}>Browse…</button>
              </div>
              ${
                this.browsing === undefined
                  ? ''
                  : html`<ferry-folder-picker id="c-folder-picker" .api=${this.api} .account=${this.browsing}
                    @ferry-folder-picked=${(e: CustomEvent<{ path: string }>) => this.closeBrowse(e.detail.path)}
                    @ferry-folder-cancel=${() => this.closeBrowse()}></ferry-folder-picker>`
              }`,
          )}
          ${this.field(
            'c-device',
            'Device',
            '',
            html`<select id="c-device" name="c-device" required aria-invalid=${this.invalid('c-device')}
              aria-describedby=${described('c-device')}>
              ${this.devices.map(
                (d) =>
                  html`<option value=${d.name}>${deviceTitle(d) === d.name ? d.name : `${deviceTitle(d)} (${d.name})`}</option>`,
              )}
            </select>`,
          )}
          ${this.field(
            'c-group-size',
            'Group size (optional)',
            'files per task group; empty for the relay default',
            html`<input id="c-group-size" name="c-group-size" type="number" min="1" inputmode="numeric"
              aria-invalid=${this.invalid('c-group-size')} aria-describedby=${described('c-group-size')} />`,
          )}
          ${this.field(
            'c-interval',
            'Crawl interval in hours (optional)',
            'empty for the relay default (24 h)',
            html`<input id="c-interval" name="c-interval" type="number" min="0" step="any" inputmode="decimal"
              aria-invalid=${this.invalid('c-interval')} aria-describedby=${described('c-interval')} />`,
          )}
          ${this.formError ? html`<p class="error" role="alert">${this.formError.message}</p>` : ''}
          <p><button type="submit" ?disabled=${this.busy || !canCreate}>Add container</button></p>
        </form>
      </section>
    `;
  }
}
customElements.define('ferry-containers', FerryContainers);
