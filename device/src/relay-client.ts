import { FerryError, type RelayErrorJson, relayError, relayUnreachable } from '@ferry/core';
import { linkAbort } from './abort-link.js';
import type { DeviceContainer } from './agent.js';

export interface ContainerList {
  containers: DeviceContainer[];
  /** Names this list; `containers(version)` waits for another. */
  version: string;
}

/**
 * The few HTTP calls a device makes to its relay: bind (pairing code or a user's password, once),
 * and the list of its containers with the credentials to read them. File bytes never go this way.
 */
export class RelayClient {
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  get wsUrl(): string {
    return this.baseUrl.replace(/^http/, 'ws').replace(/\/$/, '');
  }

  /** Redeems a one-time pairing code from `ferry pair`. */
  pair(code: string, device: string): Promise<{ token: string; device: string; user: string }> {
    return this.call('POST', '/api/devices/pair', { code, device });
  }

  /** Login on the device's own page: the password goes to the relay once and is not kept. */
  bind(
    user: string,
    password: string,
    device: string,
  ): Promise<{ token: string; device: string; user: string }> {
    return this.call('POST', '/api/devices/bind', { user, password, device });
  }

  /**
   * The containers bound to this device, with the version of that list. Given `wait` (the version
   * the device holds), the relay answers when the list differs from it, or after its wait (25 s).
   */
  containers(wait?: string, signal?: AbortSignal): Promise<ContainerList> {
    if (wait === undefined) return this.call('GET', '/api/device/containers');
    return this.call('GET', `/api/device/containers?wait=${encodeURIComponent(wait)}`, undefined, {
      signal,
      timeoutMs: 60_000,
    });
  }

  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
    limits: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<T> {
    // linkAbort, not AbortSignal.any: the caller's signal is the device's long-lived stop signal,
    // and a wait on the container list is made every 25 s (abort-link.ts tells the leak).
    const abort = new AbortController();
    const unlink = linkAbort(abort, [
      AbortSignal.timeout(limits.timeoutMs ?? 15_000),
      ...(limits.signal ? [limits.signal] : []),
    ]);
    try {
      return await this.send<T>(method, path, body, abort.signal);
    } finally {
      unlink();
    }
  }

  private async send<T>(method: string, path: string, body: unknown, signal: AbortSignal): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (error) {
      throw relayUnreachable(this.baseUrl, error);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      throw new FerryError(
        'TRANSIENT',
        `the relay answered ${response.status} with something that is not JSON`,
      );
    }
    if (!response.ok)
      throw relayError(
        (parsed as { error?: RelayErrorJson }).error,
        'TRANSIENT',
        `the relay answered ${response.status}`,
      );
    return parsed as T;
  }
}
