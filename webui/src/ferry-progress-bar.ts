import { css, html, LitElement } from 'lit';
import { percent } from './format.js';

/**
 * A labelled bar: `value` of `max`, with the text a reader hears (aria-valuetext) and sees.
 * `mark` draws a line at a threshold (the device's min-free) and `low` paints the bar as a
 * warning (below the threshold).
 */
export class FerryProgressBar extends LitElement {
  static override properties = {
    label: {},
    text: {},
    value: { type: Number },
    max: { type: Number },
    mark: { type: Number },
    low: { type: Boolean },
  };
  declare label: string;
  declare text: string;
  declare value: number;
  declare max: number;
  declare mark: number | undefined;
  declare low: boolean;

  static override styles = css`
    :host {
      display: block;
      margin: 0.4rem 0;
    }
    .caption {
      display: flex;
      justify-content: space-between;
      gap: 1rem;
      font-size: 0.92rem;
      color: #1b1f24;
    }
    .track {
      position: relative;
      height: 0.8rem;
      border-radius: 999px;
      background: #e6e8eb;
      border: 1px solid #8c959f;
      overflow: hidden;
    }
    .fill {
      height: 100%;
      background: #0b5cad;
    }
    .low .fill {
      background: #b3261e;
    }
    .mark {
      position: absolute;
      top: 0;
      bottom: 0;
      width: 2px;
      background: #1b1f24;
    }
  `;

  constructor() {
    super();
    this.label = '';
    this.text = '';
    this.value = 0;
    this.max = 0;
    this.mark = undefined;
    this.low = false;
  }

  override render() {
    const pct = percent(this.value, this.max);
    const markPct = this.mark === undefined ? undefined : percent(this.mark, this.max);
    return html`
      <div class="caption" aria-hidden="true"><span>${this.label}</span><span>${this.text}</span></div>
      <div
        class="track ${this.low ? 'low' : ''}"
        role="progressbar"
        aria-label=${this.label}
        aria-valuemin="0"
        aria-valuemax="100"
        aria-valuenow=${pct}
        aria-valuetext=${this.text}
      >
        <div class="fill" style="width: ${pct}%"></div>
        ${markPct === undefined ? '' : html`<div class="mark" style="left: calc(${markPct}% - 1px)"></div>`}
      </div>
    `;
  }
}
customElements.define('ferry-progress-bar', FerryProgressBar);
