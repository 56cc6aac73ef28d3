import { html, LitElement, nothing } from 'lit';
import type { ApiError } from './api.js';
import { type BindField, bindErrorField, DeviceApi, type DevicePageState } from './device-api.js';
import { formatBytes, formatSpeed, formatWhen } from './format.js';
import { shared } from './styles.js';
import './ferry-progress-bar.js';
import { asRefusal, refusalText } from './refusal.js';

/** The device's own loopback state: cheap to ask, so a plain poll is enough here. */
const REFRESH_MS = 2_000;

const STATE_TEXT: Record<string, [string, string]> = {
  active: ['Active', 'ok'],
  idle: ['Active, idle', 'ok'],
  starting: ['Starting', 'muted'],
  inactive: ['Inactive', 'bad'],
};

/**
 * The page `ferry device --port` serves (device.html): before binding, a form that binds this
 * disk to a user of the relay (errors next to the field they are about); after, the device's
 * state, free space against --min-free, speed, files in flight, errors and renamed names. Built
 * from the panel's bar, styles and formats.
 */
export class FerryDevicePage extends LitElement {
  static override properties = {
    view: { state: true },
    unreachable: { state: true },
    error: { state: true },
    errorField: { state: true },
    busy: { state: true },
  };
  declare view: DevicePageState | undefined;
  declare unreachable: ApiError | undefined;
  declare error: ApiError | undefined;
  declare errorField: BindField | undefined;
  declare busy: boolean;
  static override styles = shared;
  api = new DeviceApi();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private connected = false;

  constructor() {
    super();
    this.view = undefined;
    this.unreachable = undefined;
    this.error = undefined;
    this.errorField = undefined;
    this.busy = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.connected = true;
    void this.refresh();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.connected = false;
    clearTimeout(this.timer);
  }

  private async refresh(): Promise<void> {
    clearTimeout(this.timer);
    try {
      this.view = await this.api.state();
      this.unreachable = undefined;
    } catch (error) {
      this.unreachable = asRefusal(error, 'the device answered badly');
    }
    if (this.connected) this.timer = setTimeout(() => void this.refresh(), REFRESH_MS);
  }

  private async submit(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const user = String(data.get('user') ?? '').trim();
    const password = String(data.get('password') ?? '');
    const device = String(data.get('device') ?? '').trim();
    this.busy = true;
    this.error = undefined;
    this.errorField = undefined;
    try {
      await this.api.bind(user, password, device);
      await this.refresh();
    } catch (error) {
      this.error = asRefusal(error);
      this.errorField = bindErrorField(this.error, { user, device });
    } finally {
      // The password is not kept in the page, bound or not.
      const input = form.elements.namedItem('password') as HTMLInputElement | null;
      if (input) input.value = '';
      this.busy = false;
    }
  }

  override render() {
    const view = this.view;
    return html`
      <main style="max-width: 44rem; margin: 1.5rem auto; padding: 0 1rem">
        <h1 style="font-size: 1.5rem; margin: 0 0 1rem">Ferry device ${view ? html`<code>${view.device}</code>` : nothing}</h1>
        ${
          this.unreachable
            ? html`<p class="error" role="alert">${this.unreachable.message}${
                this.unreachable.hint ? html` <span class="hint">(${this.unreachable.hint})</span>` : nothing
              }</p>`
            : nothing
        }
        ${view === undefined ? html`<p class="muted">Loading…</p>` : view.bound ? this.renderState(view) : this.renderBind(view)}
      </main>
    `;
  }

  private fieldError(field: BindField | 'form') {
    const error = this.error;
    if (!error || (this.errorField ?? 'form') !== field) return nothing;
    return html`<p id=${`${field}-error`} class="error" role="alert">
      ${refusalText(error)}
    </p>`;
  }

  private invalid(field: BindField) {
    return this.error && this.errorField === field ? 'true' : 'false';
  }

  private described(field: BindField) {
    return this.error && this.errorField === field ? `${field}-error` : nothing;
  }

  private renderBind(view: DevicePageState) {
    return html`
      <section class="card" aria-labelledby="bind-title">
        <h2 id="bind-title">Bind this disk</h2>
        <p>
          This disk is not bound yet. Log in with your user on the relay <code>${view.relay}</code>: the
          password goes to the relay once, and the disk keeps only a device token.
        </p>
        <form @submit=${this.submit}>
          <label for="user">User name</label>
          <input id="user" name="user" autocomplete="username" required maxlength="128"
            aria-invalid=${this.invalid('user')} aria-describedby=${this.described('user')} />
          ${this.fieldError('user')}
          <label for="password">Password</label>
          <input id="password" name="password" type="password" required maxlength="1024"
            autocomplete="current-password" aria-invalid=${this.invalid('password')}
            aria-describedby=${this.described('password')} />
          ${this.fieldError('password')}
          <label for="device"
            >Device name <span class="help">How the panel shows this disk; letters, digits, . _ -</span></label
          >
          <input id="device" name="device" required maxlength="64" pattern="[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}"
            .defaultValue=${view.device} aria-invalid=${this.invalid('device')}
            aria-describedby=${this.described('device')} />
          ${this.fieldError('device')} ${this.fieldError('form')}
          <p><button type="submit" ?disabled=${this.busy}>Bind this disk</button></p>
        </form>
      </section>
    `;
  }

  private renderState(view: DevicePageState) {
    const status = view.status;
    const [stateText, stateClass] = status
      ? (STATE_TEXT[status.state] ?? [status.state, 'muted'])
      : (['Starting', 'muted'] as const);
    const low = status !== undefined && status.freeBytes < status.minFreeBytes;
    return html`
      <article class="card" aria-labelledby="state-title">
        <div class="row spread">
          <h2 id="state-title" style="margin: 0">This disk</h2>
          <span class="badge ${stateClass}" role="status">${stateText}</span>
        </div>
        <dl>
          <dt>User</dt>
          <dd>${view.user ?? '–'}</dd>
          <dt>Relay</dt>
          <dd><code>${view.relay}</code></dd>
          <dt>Containers</dt>
          <dd>${view.containers.length > 0 ? view.containers.join(', ') : 'none yet: bind one in the panel'}</dd>
          <dt>Speed</dt>
          <dd>${status ? formatSpeed(status.bytesPerSecond) : '–'}</dd>
          <dt>Updated</dt>
          <dd>${status ? formatWhen(status.updatedAt) : '–'}</dd>
        </dl>
        ${
          status
            ? html`<ferry-progress-bar
              label="Free space"
              .text=${`${formatBytes(status.freeBytes)} free, keeps ${formatBytes(status.minFreeBytes)}${low ? ': below min-free' : ''}`}
              .value=${status.freeBytes}
              .max=${Math.max(status.freeBytes, 2 * status.minFreeBytes)}
              .mark=${status.minFreeBytes}
              ?low=${low}
            ></ferry-progress-bar>`
            : nothing
        }
        ${
          status && status.current.length > 0
            ? html`<h3 style="margin-top: 0.8rem">Now fetching</h3>
              <ul class="plain">
                ${status.current.map(
                  (file) => html`<li>
                    <ferry-progress-bar
                      .label=${`${file.container}: ${file.path}`}
                      .text=${`${formatBytes(file.bytes)} of ${formatBytes(file.size)}`}
                      .value=${file.bytes}
                      .max=${file.size}
                    ></ferry-progress-bar>
                  </li>`,
                )}
              </ul>`
            : status
              ? html`<p class="muted">No file in flight.</p>`
              : nothing
        }
        ${
          status && status.errors.length > 0
            ? html`<details open>
              <summary class="bad">${status.errors.length} recent error${status.errors.length === 1 ? '' : 's'}</summary>
              <ul>
                ${status.errors.map((error) => html`<li><code>${error}</code></li>`)}
              </ul>
            </details>`
            : nothing
        }
        ${
          status && status.renamed.length > 0
            ? html`<details>
              <summary class="warn">${status.renamed.length} unsafe name${status.renamed.length === 1 ? '' : 's'} renamed on the disk</summary>
              <ul>
                ${status.renamed.map((line) => html`<li><code>${line}</code></li>`)}
              </ul>
            </details>`
            : nothing
        }
      </article>
    `;
  }
}
customElements.define('ferry-device-page', FerryDevicePage);
