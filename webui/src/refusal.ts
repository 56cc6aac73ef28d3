import { html, type TemplateResult } from 'lit';

/** A refusal as every form shows it: its message, then its hint (what to do) in brackets. */
export const refusalText = (refusal: { message: string; hint?: string }): TemplateResult =>
  html`${refusal.message}${refusal.hint ? html` <span class="hint">(${refusal.hint})</span>` : ''}`;
