/**
 * The device page's own API (device/src/page.ts): its loopback state and the bind form's POST.
 * Shapes mirror DevicePageState there; the page never talks to the relay itself.
 */
import { ApiError, type CurrentFile, fieldOfError } from './api.js';

export interface DeviceStatusReport {
  state: string;
  freeBytes: number;
  minFreeBytes: number;
  updatedAt: number;
  bytesPerSecond: number;
  current: CurrentFile[];
  errors: string[];
  renamed: string[];
}

export interface DevicePageState {
  bound: boolean;
  device: string;
  user?: string;
  relay: string;
  containers: string[];
  /** Missing until the agent runs (just bound, or still starting). */
  status?: DeviceStatusReport;
}

export type BindField = 'user' | 'password' | 'device';
const BIND_FIELDS: readonly BindField[] = ['user', 'password', 'device'];

type Fetch = typeof fetch;

export class DeviceApi {
  constructor(private readonly fetcher: Fetch = (...args) => fetch(...args)) {}

  state = async (): Promise<DevicePageState> => this.call<DevicePageState>('/api/state');

  /** The password goes to the device once, which hands it to the relay once and keeps only a token. */
  bind = (user: string, password: string, device: string): Promise<{ user: string; device: string }> =>
    this.call('/api/bind', { user, password, device });

  private async call<T>(path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.fetcher(path, {
        method: body === undefined ? 'GET' : 'POST',
        headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'FERRY_OFFLINE', 'the device does not answer', 'is ferry device still running?');
    }
    const parsed = (await response.json().catch(() => undefined)) as
      | { error?: { code?: string; message?: string; hint?: string } }
      | undefined;
    if (!response.ok)
      throw new ApiError(
        response.status,
        parsed?.error?.code ?? `HTTP_${response.status}`,
        parsed?.error?.message ?? `the device answered ${response.status}`,
        parsed?.error?.hint,
      );
    return parsed as T;
  }
}

/**
 * Which field of the bind form a refusal belongs next to: a wrong user or password goes under
 * the password, a taken device name under the name, a field the message names under that field;
 * anything else (relay unreachable, too many tries) is shown for the whole form.
 */
export function bindErrorField(
  error: ApiError,
  values: { user: string; device: string },
): BindField | undefined {
  if (error.code === 'FERRY_UNAUTHORIZED') return 'password';
  if (error.code === 'FERRY_CONFLICT' || /\bdevice name\b/.test(error.message)) return 'device';
  return fieldOfError(error.message, BIND_FIELDS, values) as BindField | undefined;
}
