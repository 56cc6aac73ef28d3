import { html, LitElement } from 'lit';
import { deviceDocName, indexDocName, progressDocName } from '../../core/src/docs/names.js';
import type { ContainerStatusView } from './api.js';
import { formatBytes, formatDuration, formatExact, formatWhen } from './format.js';
import { AUTH_FIX, authErrors, crawlAuthError } from './live/device-watch.js';
import { DocController } from './live/doc-controller.js';
import { linkText, liveContainer, readDevice, readIndex, readProgress } from './live/views.js';
import { shared } from './styles.js';
import './ferry-progress-bar.js';

/**
 * One container, live from its index doc `c/<name>`, its device's progress doc
 * `c/<name>/p/<device>` and the device's status doc (for renamed names). Never a group doc.
 * Emits `ferry-crawl` and `ferry-remove` with `{name}`.
 */
export class FerryContainerCard extends LitElement {
  static override properties = {
    container: { attribute: false },
    crawlIntervalMs: { type: Number },
    deviceLabel: {},
    message: {},
    confirming: { state: true },
  };
  declare container: ContainerStatusView;
  declare crawlIntervalMs: number | undefined;
  /** The device's display label, when it has one (the card then shows both). */
  declare deviceLabel: string | undefined;
  declare message: string;
  declare confirming: boolean;
  static override styles = shared;
  private readonly index = new DocController(this, undefined, readIndex);
  private readonly progress = new DocController(this, undefined, readProgress);
  private readonly device = new DocController(this, undefined, readDevice);

  constructor() {
    super();
    this.message = '';
    this.confirming = false;
  }

  override willUpdate(): void {
    const c = this.container;
    this.index.setDocName(c ? indexDocName(c.name) : undefined);
    this.progress.setDocName(c ? progressDocName(c.name, c.device) : undefined);
    this.device.setDocName(c ? deviceDocName(c.device) : undefined);
  }

  override render() {
    if (!this.container) return '';
    const view = liveContainer(this.container, this.index.value, this.progress.value);
    const renamed = this.device.value?.renamed ?? [];
    const authError = authErrors(this.device.value?.errors ?? []).get(view.name);
    const crawlAuth = crawlAuthError(view.lastError);
    const now = Date.now();
    const titleId = `container-${view.name}`;
    const done = view.files > 0 && view.fetchedFiles === view.files;
    return html`
      <article class="card" aria-labelledby=${titleId}>
        <div class="row spread">
          <h3 id=${titleId}>${view.name}</h3>
          <div class="row">
            ${view.crawling ? html`<span class="badge warn">Crawling</span>` : ''}
            ${done ? html`<span class="badge ok">Complete</span>` : ''}
            ${view.lastError ? html`<span class="badge bad">Crawl failed</span>` : ''}
            ${authError || crawlAuth ? html`<span class="badge warn">Needs attention</span>` : ''}
          </div>
        </div>
        <p class="muted">
          ${view.account}${view.folder ? `:/${view.folder}` : ' (whole account)'} →
          ${this.deviceLabel ? `${this.deviceLabel} (${view.device})` : view.device}${this.crawlIntervalMs ? `, crawled every ${formatDuration(this.crawlIntervalMs)}` : ''}
        </p>
        <ferry-progress-bar
          label="Files"
          .text=${`${view.fetchedFiles} of ${view.files} fetched`}
          .value=${view.fetchedFiles}
          .max=${view.files}
        ></ferry-progress-bar>
        <ferry-progress-bar
          label="Bytes"
          .text=${`${formatBytes(view.fetchedBytes)} of ${formatBytes(view.bytes)}`}
          .value=${view.fetchedBytes}
          .max=${view.bytes}
        ></ferry-progress-bar>
        <dl>
          <dt>Groups complete</dt>
          <dd>${view.completeGroups} of ${view.groups}</dd>
          <dt>Last crawl</dt>
          <dd title=${formatExact(view.lastCrawl)}>${view.crawling ? 'running now' : formatWhen(view.lastCrawl, now)}</dd>
          <dt>Next crawl</dt>
          <dd title=${formatExact(view.nextCrawl)}>${view.nextCrawl === null ? 'not scheduled' : formatWhen(view.nextCrawl, now)}</dd>
          <dt>Deleted upstream</dt>
          <dd>${view.deletedUpstream === null ? '–' : `${view.deletedUpstream} in the last crawl (kept on the disk)`}</dd>
          <dt>Renamed unsafe names</dt>
          <dd>${renamed.length}</dd>
          <dt>Live updates</dt>
          <dd>${linkText(this.index.state)}</dd>
        </dl>
        ${view.lastError ? html`<p class="error">Last crawl error: <code>${view.lastError}</code></p>` : ''}
        ${
          authError || crawlAuth
            ? html`<div class="attention">
              ${
                authError
                  ? html`<p class="warn">${view.device} cannot read account ${view.account}: <code>${authError}</code></p>`
                  : html`<p class="warn">The relay's crawl cannot read account ${view.account} (above).</p>`
              }
              <p>${AUTH_FIX}</p>
            </div>`
            : ''
        }
        ${
          renamed.length > 0
            ? html`<details>
              <summary>Names renamed on ${view.device}'s disk</summary>
              <ul>
                ${renamed.map((line) => html`<li><code>${line}</code></li>`)}
              </ul>
            </details>`
            : ''
        }
        ${this.message ? html`<p role="status">${this.message}</p>` : ''}
        <div class="row">
          <button class="secondary" @click=${() => this.emit('ferry-crawl')} aria-label=${`Crawl ${view.name} now`}>
            Crawl now
          </button>
          ${
            this.confirming
              ? html`<button class="danger" @click=${() => this.emit('ferry-remove')}>Yes, remove ${view.name}</button>
                <button class="secondary" @click=${() => (this.confirming = false)}>Keep it</button>`
              : html`<button class="danger" @click=${() => (this.confirming = true)} aria-label=${`Remove container ${view.name}`}>
                Remove
              </button>`
          }
        </div>
      </article>
    `;
  }

  private emit(type: string) {
    this.confirming = false;
    this.dispatchEvent(new CustomEvent(type, { detail: { name: this.container.name }, bubbles: true }));
  }
}
customElements.define('ferry-container-card', FerryContainerCard);
