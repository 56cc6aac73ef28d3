import { html, LitElement } from 'lit';
import { deviceDocName } from '../../core/src/docs/names.js';
import { type DeviceStatusView, deviceTitle } from './api.js';
import { formatBytes, formatExact, formatSpeed, formatWhen } from './format.js';
import { deviceWatch } from './live/device-watch.js';
import { DocController } from './live/doc-controller.js';
import { linkText, liveDevice, readDevice } from './live/views.js';
import { shared } from './styles.js';
import './ferry-progress-bar.js';
import './ferry-speed-chart.js';

const STATE_TEXT: Record<string, [string, string]> = {
  active: ['Active', 'ok'],
  idle: ['Active, idle', 'ok'],
  starting: ['Starting', 'muted'],
  inactive: ['Inactive', 'bad'],
  unknown: ['Not reported yet', 'muted'],
};

/**
 * One device: live from its `d/<device>` doc. Emits `ferry-unbind` with `{name}` and
 * `ferry-rename` with `{name, label}`.
 */
export class FerryDeviceCard extends LitElement {
  static override properties = {
    device: { attribute: false },
    loadedAt: { type: Number },
    confirming: { state: true },
    renaming: { state: true },
  };
  declare device: DeviceStatusView;
  declare loadedAt: number;
  declare confirming: boolean;
  declare renaming: boolean;
  static override styles = shared;
  private readonly live = new DocController(this, undefined, readDevice);
  private tick: ReturnType<typeof setInterval> | undefined;
  private stopSamples: (() => void) | undefined;

  constructor() {
    super();
    this.loadedAt = Date.now();
    this.confirming = false;
    this.renaming = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Re-render now and then so "2 min ago" and online/offline age without asking the relay.
    this.tick = setInterval(() => this.requestUpdate(), 15_000);
    this.stopSamples = deviceWatch.onChange(() => this.requestUpdate());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.tick);
    this.stopSamples?.();
  }

  override willUpdate(): void {
    this.live.setDocName(this.device ? deviceDocName(this.device.name) : undefined);
  }

  override render() {
    if (!this.device) return '';
    const now = Date.now();
    const view = liveDevice(this.device, this.live.value, this.live.changedAt, this.loadedAt, now);
    const [stateText, stateClass] = STATE_TEXT[view.state] ?? [view.state, 'muted'];
    const low = view.freeBytes !== null && view.minFreeBytes !== null && view.freeBytes < view.minFreeBytes;
    const titleId = `device-${view.name}`;
    const title = deviceTitle(this.device);
    return html`
      <article class="card" aria-labelledby=${titleId}>
        <div class="row spread">
          <h3 id=${titleId}>${title}</h3>
          <div class="row">
            <span class="badge ${view.online ? 'ok' : 'muted'}">${view.online ? 'Online' : 'Offline'}</span>
            ${
              view.bound
                ? html`<span class="badge ${stateClass}">${stateText}</span>`
                : html`<span class="badge warn">Not bound: pair it again</span>`
            }
          </div>
        </div>
        <dl>
          ${title !== view.name ? html`<dt>Device name</dt><dd><code>${view.name}</code></dd>` : ''}
          <dt>Last seen</dt>
          <dd title=${formatExact(view.lastSeen)}>${formatWhen(view.lastSeen, now)}</dd>
          <dt>Speed</dt>
          <dd>${view.online ? formatSpeed(view.speed) : '–'}</dd>
          <dt>Live updates</dt>
          <dd>${linkText(this.live.state)}</dd>
        </dl>
        ${
          view.freeBytes !== null
            ? html`<ferry-progress-bar
              label="Free space"
              .text=${`${formatBytes(view.freeBytes)} free, keeps ${formatBytes(view.minFreeBytes)}${low ? ': below min-free' : ''}`}
              .value=${view.freeBytes}
              .max=${Math.max(view.freeBytes, 2 * (view.minFreeBytes ?? 0))}
              .mark=${view.minFreeBytes ?? undefined}
              ?low=${low}
            ></ferry-progress-bar>`
            : ''
        }
        ${
          view.bound
            ? html`<ferry-speed-chart
              label="Fetched, bytes per second"
              .samples=${deviceWatch.history.samples(view.name, now)}
              .now=${now}
            ></ferry-speed-chart>`
            : ''
        }
        ${
          view.current.length > 0
            ? html`<h4>Now fetching</h4>
              <ul class="plain">
                ${view.current.map(
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
            : ''
        }
        ${
          view.errors.length > 0
            ? html`<details>
              <summary class="bad">${view.errors.length} recent error${view.errors.length === 1 ? '' : 's'}</summary>
              <ul>
                ${view.errors.map((error) => html`<li><code>${error}</code></li>`)}
              </ul>
            </details>`
            : ''
        }
        ${
          view.renamed.length > 0
            ? html`<details>
              <summary class="warn">${view.renamed.length} unsafe name${view.renamed.length === 1 ? '' : 's'} renamed on the disk</summary>
              <ul>
                ${view.renamed.map((line) => html`<li><code>${line}</code></li>`)}
              </ul>
            </details>`
            : ''
        }
        ${
          this.renaming
            ? html`<form class="row" @submit=${this.rename} aria-label=${`Rename ${title}`}>
              <label for=${`label-${view.name}`}>Display name</label>
              <input id=${`label-${view.name}`} name="label" maxlength="64" .value=${this.device.label ?? ''} />
              <button type="submit">Save</button>
              <button type="button" class="secondary" @click=${() => (this.renaming = false)}>Cancel</button>
              <p class="help">
                Only the name shown changes: <code>${view.name}</code> stays the device's name in commands,
                documents and on its disk. Empty shows the device name again.
              </p>
            </form>`
            : ''
        }
        <div class="row">
          <button class="secondary" @click=${this.startRename} aria-label=${`Rename ${title}`}>Rename</button>
          ${
            !view.bound
              ? ''
              : this.confirming
                ? html`<span role="status">Unbind ${title}? Its token stops working at once; files on the disk stay.</span>
                <button class="danger" @click=${this.unbind}>Yes, unbind ${title}</button>
                <button class="secondary" @click=${() => (this.confirming = false)}>Keep it</button>`
                : html`<button class="danger" @click=${() => (this.confirming = true)} aria-label=${`Unbind ${title}`}>
                Unbind
              </button>`
          }
        </div>
      </article>
    `;
  }

  private async startRename() {
    this.renaming = true;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLInputElement>(`#label-${CSS.escape(this.device.name)}`)?.focus();
  }

  private rename(event: SubmitEvent) {
    event.preventDefault();
    const label = new FormData(event.target as HTMLFormElement).get('label');
    this.renaming = false;
    this.dispatchEvent(
      new CustomEvent('ferry-rename', {
        detail: { name: this.device.name, label: typeof label === 'string' ? label : '' },
        bubbles: true,
      }),
    );
  }

  private unbind() {
    this.confirming = false;
    this.dispatchEvent(
      new CustomEvent('ferry-unbind', { detail: { name: this.device.name }, bubbles: true }),
    );
  }
}
customElements.define('ferry-device-card', FerryDeviceCard);
