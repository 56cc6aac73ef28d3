import { css, html, LitElement, svg } from 'lit';
import { formatDuration, formatSpeed } from './format.js';
import {
  CHART_HEIGHT,
  CHART_WIDTH,
  chartSpan,
  chartText,
  type SpeedSample,
  stepPath,
  summarize,
} from './live/speed-history.js';

/**
 * Bytes fetched per second by one device over the last minutes, an inline SVG (no library) from
 * the samples the panel took (live/speed-history.ts), with its text alternative.
 */
export class FerrySpeedChart extends LitElement {
  static override properties = {
    label: {},
    samples: { attribute: false },
    now: { type: Number },
  };
  declare label: string;
  declare samples: SpeedSample[];
  declare now: number;

  static override styles = css`
    :host {
      display: block;
      margin: 0.6rem 0;
    }
    figure {
      margin: 0;
    }
    figcaption {
      font-size: 0.92rem;
      color: #1b1f24;
    }
    svg {
      display: block;
      width: 100%;
      height: 4rem;
      background: #f3f4f6;
      border: 1px solid #8c959f;
      border-radius: 4px;
      box-sizing: border-box;
    }
    .area {
      fill: #0b5cad;
      fill-opacity: 0.3;
      stroke: #0b5cad;
      stroke-width: 1.5;
    }
    .axis {
      display: flex;
      justify-content: space-between;
      font-size: 0.85rem;
      color: #4a525b;
    }
    .text {
      margin: 0.2rem 0 0;
      font-size: 0.9rem;
      color: #4a525b;
    }
  `;

  constructor() {
    super();
    this.label = '';
    this.samples = [];
    this.now = Date.now();
  }

  override render() {
    const summary = summarize(this.samples);
    const span = chartSpan(this.samples, this.now);
    // A floor of 1 KiB/s: a device fetching a few bytes does not fill the chart.
    const top = Math.max(summary.peak, 1024);
    const path = stepPath(this.samples, this.now, span, top);
    const text = chartText(this.samples, this.now);
    return html`
      <figure>
        <figcaption>${this.label} <span class="axis-top">(top: ${formatSpeed(top)})</span></figcaption>
        <svg viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" preserveAspectRatio="none" role="img"
          aria-label=${`${this.label}: ${text}`}>
          ${path ? svg`<path class="area" d=${path} vector-effect="non-scaling-stroke"></path>` : ''}
        </svg>
        <div class="axis" aria-hidden="true"><span>${formatDuration(span)} ago</span><span>now</span></div>
        <p class="text">${text}</p>
      </figure>
    `;
  }
}
customElements.define('ferry-speed-chart', FerrySpeedChart);
