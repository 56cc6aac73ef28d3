import { FerryError, type RelayErrorJson, relayError, relayUnreachable } from '@ferry/core';
import { configDirOf, readLogin, sameRelay } from './session-file.js';

/** A relay the CLI talks to, with the token `ferry login` saved for it. */
export interface RelayTarget {
  relay: string;
  token?: string;
}

/** --relay (or FERRY_RELAY) and the saved login; the token is used only for the relay it came from. */
export async function relayTarget(
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
  needToken = true,
): Promise<RelayTarget> {
  const saved = await readLogin(configDirOf(flags.config as string | undefined, env));
  const relay = (flags.relay as string | undefined) ?? saved?.relay;
  if (relay === undefined)
    throw new FerryError(
      'USAGE',
      'which relay? give --relay URL',
      'or log in first: ferry login --relay URL --user NAME',
    );
  const token = saved && sameRelay(saved.relay, relay) ? saved.token : undefined;
  if (needToken && token === undefined)
    throw new FerryError(
      'UNAUTHORIZED',
      `not logged in to ${relay}`,
      `ferry login --relay ${relay} --user NAME`,
    );
  return { relay, token };
}

/** One JSON request; the relay's `{error}` answer becomes the same FerryError here. */
export async function apiCall<T>(
  target: RelayTarget,
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(new URL(path, target.relay), {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(60_000)]) : AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw relayUnreachable(target.relay, error);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new FerryError(
      'TRANSIENT',
      `the relay answered ${response.status} with something that is not JSON`,
    );
  }
  if (!response.ok)
    throw relayError(
      (parsed as { error?: RelayErrorJson } | undefined)?.error,
      'TRANSIENT',
      `the relay answered ${response.status}`,
    );
  return parsed as T;
}
