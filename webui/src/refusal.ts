import { html, type TemplateResult } from 'lit';
import { ApiError } from './api.js';

/** What a form shows for a failed call: the relay's refusal, or `fallback` for anything else (a bug). */
export function asRefusal(error: unknown, fallback = 'the request failed'): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, 'FERRY_INTERNAL', fallback);
}

/** A refusal as every form shows it: its message, then its hint (what to do) in brackets. */
export const refusalText = (refusal: { message: string; hint?: string }): TemplateResult =>
  html`${refusal.message}${refusal.hint ? html` <span class="hint">(${refusal.hint})</span>` : ''}`;
