import { css } from 'lit';

/**
 * Shared look: system fonts only (no external fonts or CDNs), contrast of at least 4.5:1 for text
 * (checked for the colours below on white), visible focus rings, one column on a phone.
 */
export const shared = css`
  :host {
    display: block;
    color: #1b1f24;
    font: 16px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  }
  h2 {
    font-size: 1.3rem;
    margin: 0 0 0.75rem;
  }
  h3 {
    font-size: 1.05rem;
    margin: 0;
  }
  .card {
    border: 1px solid #8c959f;
    border-radius: 8px;
    padding: 0.9rem;
    margin: 0 0 0.9rem;
    background: #fff;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem 1rem;
    align-items: center;
  }
  .spread {
    justify-content: space-between;
  }
  dl {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 0.2rem 0.8rem;
    margin: 0.6rem 0;
  }
  dt {
    color: #4a525b;
  }
  dd {
    margin: 0;
    overflow-wrap: anywhere;
  }
  label {
    display: block;
    font-weight: 600;
    margin: 0.6rem 0 0.2rem;
  }
  .help {
    display: block;
    font-weight: 400;
    color: #4a525b;
    font-size: 0.9rem;
  }
  input,
  select,
  textarea {
    font: inherit;
    box-sizing: border-box;
    width: 100%;
    max-width: 28rem;
    padding: 0.45rem 0.5rem;
    border: 1px solid #57606a;
    border-radius: 6px;
    background: #fff;
    color: inherit;
  }
  input[type='checkbox'] {
    width: auto;
  }
  textarea {
    font-family: ui-monospace, monospace;
    font-size: 0.85rem;
  }
  input[aria-invalid='true'],
  select[aria-invalid='true'],
  textarea[aria-invalid='true'] {
    border: 2px solid #b3261e;
  }
  button {
    font: inherit;
    padding: 0.45rem 0.9rem;
    border-radius: 6px;
    border: 1px solid #0b5cad;
    background: #0b5cad;
    color: #fff;
    cursor: pointer;
    min-height: 44px;
  }
  button.secondary {
    background: #fff;
    color: #0b5cad;
  }
  button.danger {
    background: #fff;
    color: #b3261e;
    border-color: #b3261e;
  }
  button:disabled {
    opacity: 0.6;
    cursor: progress;
  }
  :is(button, input, select, textarea, a, [tabindex]):focus-visible {
    outline: 3px solid #e0a100;
    outline-offset: 2px;
  }
  .error {
    color: #b3261e;
    font-weight: 600;
    margin: 0.25rem 0;
  }
  .hint {
    font-weight: 400;
    color: #4a525b;
  }
  .badge {
    display: inline-block;
    padding: 0.05rem 0.5rem;
    border-radius: 999px;
    font-size: 0.85rem;
    font-weight: 600;
    border: 1px solid currentColor;
  }
  .ok {
    color: #116329;
  }
  .warn {
    color: #8a4600;
  }
  .bad {
    color: #b3261e;
  }
  .muted {
    color: #4a525b;
  }
  code,
  pre {
    font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;
    font-size: 0.9rem;
  }
  pre {
    background: #f3f4f6;
    border: 1px solid #8c959f;
    padding: 0.6rem;
    border-radius: 6px;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  ul.plain {
    list-style: none;
    padding: 0;
    margin: 0;
  }
  .field-row input {
    flex: 1 1 14rem;
  }
  .picker {
    margin: 0.6rem 0;
    max-width: 40rem;
  }
  .picker h4 {
    margin: 0 0 0.4rem;
    font-size: 1rem;
    overflow-wrap: anywhere;
  }
  ul.folders {
    display: flex;
    flex-wrap: wrap;
    gap: 0.4rem;
    margin: 0.4rem 0;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;
