import { fetchFailure, httpStatusError } from './http-errors.js';

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Longest wait for the answer's headers (and, for `httpText`, its body). */
  timeoutMs: number;
  /** Names the provider and operation in errors; never a secret. */
  what: string;
}

/**
 * Sends a request with Node's fetch and returns the response once its headers are in, with the
 * body still to read. Statuses `accept` does not take are turned into typed errors (see
 * httpStatusError) after the body is discarded; no answer at all becomes TRANSIENT; the caller's
 * abort passes through.
 */
export async function httpHeaders(
  request: HttpRequest,
  accept: (status: number) => boolean,
): Promise<Response> {
  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(), request.timeoutMs);
  const signal =
    request.signal === undefined ? timer.signal : AbortSignal.any([request.signal, timer.signal]);
  try {
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal,
        redirect: 'follow',
      });
    } catch (error) {
      throw fetchFailure(request.what, error, request.signal, timer.signal.aborted);
    }
    if (!accept(response.status)) {
      await response.body?.cancel().catch(() => {});
      throw httpStatusError(request.what, response.status, response.headers, Date.now());
    }
    return response;
  } finally {
    clearTimeout(timeout);
  }
}

/** Like httpHeaders, and reads the whole body as text within the same timeout. */
export async function httpText(
  request: HttpRequest,
  accept: (status: number) => boolean,
): Promise<{ status: number; text: string; headers: Headers }> {
  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(), request.timeoutMs);
  const signal =
    request.signal === undefined ? timer.signal : AbortSignal.any([request.signal, timer.signal]);
  try {
    const response = await httpHeaders({ ...request, signal, timeoutMs: request.timeoutMs + 1000 }, accept);
    try {
      return { status: response.status, text: await response.text(), headers: response.headers };
    } catch (error) {
      throw fetchFailure(request.what, error, request.signal, timer.signal.aborted);
    }
  } catch (error) {
    // httpHeaders saw our combined signal abort: tell a timeout from the caller's abort.
    if (!request.signal?.aborted && timer.signal.aborted)
      throw fetchFailure(request.what, error, undefined, true);
    throw error;
  } finally {
    clearTimeout(timeout);
  }
}
