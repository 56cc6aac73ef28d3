import { html, LitElement } from 'lit';
import type { Api, ApiError, FolderListing } from './api.js';
import { asRefusal, refusalText } from './refusal.js';
import { shared } from './styles.js';

/** 'Photos/2024' → 'Photos' ('' above a top folder). */
export const parentFolder = (path: string): string => path.split('/').slice(0, -1).join('/');

/**
 * Walks the folders of one account, one level at a time, from the relay's listing
 * (`GET /api/accounts/:name/folders`). Native buttons only: open a subfolder, go up, use the
 * folder shown, cancel (also Escape). Focus follows to the folder's heading after each step.
 * Emits `ferry-folder-picked` with `{path}` and `ferry-folder-cancel`.
 */
export class FerryFolderPicker extends LitElement {
  static override properties = {
    api: { attribute: false },
    account: {},
    path: { state: true },
    listing: { state: true },
    error: { state: true },
    loading: { state: true },
  };
  declare api: Api;
  declare account: string;
  declare path: string;
  declare listing: FolderListing | undefined;
  declare error: ApiError | undefined;
  declare loading: boolean;
  static override styles = shared;
  /** Only the answer to the last request counts (a slow answer for a folder left behind is dropped). */
  private request = 0;

  constructor() {
    super();
    this.account = '';
    this.path = '';
    this.listing = undefined;
    this.error = undefined;
    this.loading = false;
  }

  override firstUpdated(): void {
    void this.open(this.path);
  }

  /** Lists `path` and moves focus to its heading once shown. */
  async open(path: string): Promise<void> {
    const request = ++this.request;
    this.path = path;
    this.loading = true;
    this.error = undefined;
    try {
      const listing = await this.api.folders(this.account, path);
      if (request !== this.request) return;
      this.listing = listing;
    } catch (error) {
      if (request !== this.request) return;
      this.listing = undefined;
      this.error = asRefusal(error);
    } finally {
      if (request === this.request) this.loading = false;
    }
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('#picker-title')?.focus();
  }

  private emit(type: string, detail?: unknown) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  private keydown(event: KeyboardEvent) {
    if (event.key === 'Escape') {
      event.preventDefault();
      this.emit('ferry-folder-cancel');
    }
  }

  override render() {
    const shown = `/${this.path}`;
    const listing = this.listing?.path === this.path ? this.listing : undefined;
    const child = (name: string) => (this.path === '' ? name : `${this.path}/${name}`);
    return html`
      <div class="card picker" role="group" aria-labelledby="picker-title" @keydown=${this.keydown}>
        <h4 id="picker-title" tabindex="-1">Folders of ${this.account}: <code>${shown}</code></h4>
        ${this.loading ? html`<p role="status">Reading the folders of ${shown}…</p>` : ''}
        ${
          this.error
            ? html`<p class="error" role="alert">
              ${refusalText(this.error)}
            </p>`
            : ''
        }
        ${
          listing && listing.folders.length > 0
            ? html`<ul class="plain folders" aria-label=${`Subfolders of ${shown}`}>
              ${listing.folders.map(
                (name) => html`<li>
                  <button type="button" class="secondary" @click=${() => this.open(child(name))}
                    aria-label=${`Open folder ${name}`}>${name}/</button>
                </li>`,
              )}
            </ul>`
            : ''
        }
        ${listing && listing.folders.length === 0 ? html`<p class="muted">No subfolder in ${shown}.</p>` : ''}
        ${
          listing?.truncated
            ? html`<p class="warn">
              The account has more than the relay reads at once: some folders may be missing here. Type the
              path in the field if yours is not listed.
            </p>`
            : ''
        }
        <div class="row">
          <button type="button" class="secondary" ?disabled=${this.path === ''}
            @click=${() => this.open(parentFolder(this.path))}>Up one folder</button>
          <button type="button" @click=${() => this.emit('ferry-folder-picked', { path: this.path })}
            aria-label=${`Use folder ${shown}`}>Use ${shown}</button>
          <button type="button" class="secondary" @click=${() => this.emit('ferry-folder-cancel')}>Cancel</button>
        </div>
      </div>
    `;
  }
}
customElements.define('ferry-folder-picker', FerryFolderPicker);
