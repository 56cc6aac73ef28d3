import { html, LitElement } from 'lit';
import { type Api, ApiError, type DeviceStatusView } from './api.js';
import { formatExact, formatWhen } from './format.js';
import { pairCommandText } from './pair-command.js';
import { shared } from './styles.js';
import './ferry-device-card.js';

/**
 * Devices page: one live card per device, "add device" (a one-time pairing code and the exact
 * command to run on the device's host), renaming (a display label) and unbinding. Emits `ferry-changed` after an action.
 */
export class FerryDevices extends LitElement {
  static override properties = {
    api: { attribute: false },
    devices: { attribute: false },
    loadedAt: { type: Number },
    pairing: { state: true },
    error: { state: true },
    deviceName: { state: true },
    disk: { state: true },
  };
  declare api: Api;
  declare devices: DeviceStatusView[];
  declare loadedAt: number;
  declare pairing: { code: string; expiresAt: number } | undefined;
  declare error: ApiError | undefined;
  declare deviceName: string;
  declare disk: string;
  static override styles = shared;

  constructor() {
    super();
    this.devices = [];
    this.loadedAt = Date.now();
    this.pairing = undefined;
    this.error = undefined;
    this.deviceName = '';
    this.disk = '';
  }

  private async addDevice() {
    this.error = undefined;
    try {
      this.pairing = await this.api.pairingCode();
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('#pair-code')?.focus();
    } catch (error) {
      this.error = error instanceof ApiError ? error : undefined;
    }
  }

  private paired() {
    this.pairing = undefined;
    this.dispatchEvent(new CustomEvent('ferry-changed', { bubbles: true, composed: true }));
  }

  private async rename(event: CustomEvent<{ name: string; label: string }>) {
    this.error = undefined;
    try {
      await this.api.renameDevice(event.detail.name, event.detail.label);
      this.dispatchEvent(new CustomEvent('ferry-changed', { bubbles: true, composed: true }));
    } catch (error) {
      this.error = error instanceof ApiError ? error : undefined;
    }
  }

  private async unbind(event: CustomEvent<{ name: string }>) {
    this.error = undefined;
    try {
      await this.api.unbindDevice(event.detail.name);
      this.dispatchEvent(new CustomEvent('ferry-changed', { bubbles: true, composed: true }));
    } catch (error) {
      this.error = error instanceof ApiError ? error : undefined;
    }
  }

  override render() {
    const relay = location.origin;
    return html`
      <section aria-labelledby="devices-title">
        <div class="row spread">
          <h2 id="devices-title">Devices</h2>
          <button @click=${this.addDevice}>Add device</button>
        </div>
        ${this.error ? html`<p class="error" role="alert">${this.error.message}</p>` : ''}
        ${
          this.pairing
            ? html`<div class="card" role="region" aria-labelledby="pair-title">
              <h3 id="pair-title">Pair a device</h3>
              <p>
                Pairing code
                <strong id="pair-code" tabindex="-1" style="font-size: 1.4rem; letter-spacing: 0.1em"
                  >${this.pairing.code}</strong
                >
                <span class="muted" title=${formatExact(this.pairing.expiresAt)}
                  >(one use, expires ${formatWhen(this.pairing.expiresAt)})</span
                >
              </p>
              <label for="pair-name">Device name <span class="help">optional; the host name if empty</span></label>
              <input
                id="pair-name"
                .value=${this.deviceName}
                @input=${(e: InputEvent) => (this.deviceName = (e.target as HTMLInputElement).value)}
              />
              <label for="pair-disk">Disk folder on the device</label>
              <input
                id="pair-disk"
                placeholder="/path/to/disk"
                .value=${this.disk}
                @input=${(e: InputEvent) => (this.disk = (e.target as HTMLInputElement).value)}
              />
              <p>Run this on the device's host:</p>
              <pre aria-label="Command to run on the device"><code id="pair-command">${pairCommandText(
                relay,
                this.pairing.code,
                this.deviceName,
                this.disk,
              )}</code></pre>
              <p class="help">Once it has paired: <button class="secondary" @click=${this.paired}>Show it in the list</button></p>
            </div>`
            : ''
        }
        ${
          this.devices.length === 0
            ? html`<p class="muted">No device yet. Add one to give your backups a disk.</p>`
            : html`<ul class="plain" aria-label="Devices">
              ${this.devices.map(
                (device) => html`<li>
                  <ferry-device-card
                    .device=${device}
                    .loadedAt=${this.loadedAt}
                    @ferry-unbind=${this.unbind}
                    @ferry-rename=${this.rename}
                  ></ferry-device-card>
                </li>`,
              )}
            </ul>`
        }
      </section>
    `;
  }
}
customElements.define('ferry-devices', FerryDevices);
