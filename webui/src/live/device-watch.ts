import type { DeviceStatus } from '../../../core/src/docs/device-doc.js';
import { deviceDocName } from '../../../core/src/docs/names.js';
import { type DocLink, type DocLinks, sharedLinks } from './doc-link.js';
import { currentSpeed, SAMPLE_MS, SpeedHistory } from './speed-history.js';
import { readDevice } from './views.js';

/**
 * Keeps the status docs of the user's bound devices open while the panel is (one shared link
 * per doc, the same the cards use): the speed chart's samples (one on every change and every
 * SAMPLE_MS) and the latest status of each device for pages that show no device card (accounts
 * needing attention).
 */
export class DeviceWatch {
  readonly history = new SpeedHistory();
  private readonly followed = new Map<string, { link: DocLink; stop: () => void }>();
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly links: DocLinks = sharedLinks,
    private readonly clock: () => number = () => Date.now(),
  ) {}

  /** Follows exactly these devices (names); the others' links are let go and their history dropped. */
  follow(devices: readonly string[]): void {
    for (const [name, held] of this.followed)
      if (!devices.includes(name)) {
        held.stop();
        this.links.release(deviceDocName(name));
        this.followed.delete(name);
        this.history.forget(name);
      }
    for (const name of devices) {
      if (this.followed.has(name)) continue;
      const link = this.links.acquire(deviceDocName(name));
      const stop = link.onChange(() => this.sample(name, link, true));
      this.followed.set(name, { link, stop });
    }
    if (this.followed.size > 0 && this.timer === undefined)
      this.timer = setInterval(() => {
        for (const [name, held] of this.followed) this.sample(name, held.link, false);
      }, SAMPLE_MS);
    if (this.followed.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** The device's status as last received, undefined when not followed or not reported yet. */
  status(device: string): DeviceStatus | undefined {
    const held = this.followed.get(device);
    return held ? readDevice(held.link.doc) : undefined;
  }

  /** Called after every change of a followed doc and every sample (elements re-render). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private sample(device: string, link: DocLink, written: boolean): void {
    // Nothing known while the link is down: a gap in the chart, not a made-up zero.
    if (link.state === 'live') {
      const now = this.clock();
      const speed = currentSpeed(readDevice(link.doc), now, written);
      if (speed !== undefined) this.history.add(device, { at: now, bytesPerSecond: speed });
    }
    for (const listener of this.listeners) listener();
  }
}

export const deviceWatch = new DeviceWatch();

/** A container whose account's provider refused the credentials (FERRY_AUTH). */
export interface AuthProblem {
  container: string;
  /** Who was refused: the container's device, or the relay's crawl. */
  by: 'device' | 'relay';
  device: string;
  /** The reported line, `FERRY_AUTH: message`. */
  error: string;
}

/**
 * The newest FERRY_AUTH line per container in a device's recent errors. The device writes
 * `<container>[ <what>]: FERRY_<CODE>: message` (device/src/reporter.ts); container names hold no
 * space or colon (core checkName), so the prefix is unambiguous.
 */
export function authErrors(errors: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of errors) {
    const match = /^([A-Za-z0-9._-]+)(?: .*?)?: (FERRY_AUTH: .*)$/s.exec(line);
    if (match) found.set(match[1] as string, match[2] as string);
  }
  return found;
}

/** The relay's last crawl error when it is an AUTH refusal (the crawl records `FERRY_<CODE>: message`). */
export const crawlAuthError = (lastError: string | null | undefined): string | undefined =>
  lastError?.startsWith('FERRY_AUTH:') ? lastError : undefined;

/**
 * The containers of `account` whose provider refused the credentials: reported by their bound
 * device (its status doc) or by the relay's last crawl.
 */
export function accountProblems(
  account: string,
  containers: readonly { name: string; account: string; device: string; lastError?: string | null }[],
  status: (device: string) => DeviceStatus | undefined,
): AuthProblem[] {
  const problems: AuthProblem[] = [];
  for (const container of containers) {
    if (container.account !== account) continue;
    const { name, device } = container;
    const crawl = crawlAuthError(container.lastError);
    if (crawl) problems.push({ container: name, by: 'relay', device, error: crawl });
    const error = authErrors(status(device)?.errors ?? []).get(name);
    if (error) problems.push({ container: name, by: 'device', device, error });
  }
  return problems;
}

/** What a user does about it: new credentials for the account in place (PATCH /api/accounts/:name). */
export const AUTH_FIX =
  "Fix the account's options: Update options on the Accounts page takes new credentials (empty fields " +
  'keep their saved values); the relay tries them with one listing, and the devices go on with them ' +
  'within seconds, with nothing removed. An account connected with OAuth: Reconnect signs in again.';
