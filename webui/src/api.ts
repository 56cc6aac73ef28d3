/**
 * The relay's HTTP API as the panel uses it. The session lives in an httpOnly cookie the page
 * cannot read; every state-changing call carries the CSRF header the relay asks of cookie
 * requests (relay/src/routes/guard.ts CSRF_HEADER), and every refusal becomes an ApiError with
 * the relay's code, message and hint.
 */

export const CSRF_HEADER = 'x-ferry-csrf';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface OptionSpec {
  key: string;
  type: 'string' | 'secret' | 'url' | 'integer' | 'boolean' | 'path';
  /** The value spans lines (a PEM key, a config section): a text area. */
  multiline?: boolean;
  required: boolean;
  help: string;
  default?: string | number | boolean;
}

export interface ProviderInfo {
  name: string;
  description: string;
  options: OptionSpec[];
}

export interface Account {
  name: string;
  provider: string;
  createdAt: number;
  needsAttention?: string;
  /** The OAuth cloud it was signed in to (Reconnect works). */
  oauth?: string;
}

/** A cloud the relay signs in to with an OAuth app of the user's (`GET /api/oauth/clouds`). */
export interface OAuthCloudInfo {
  id: string;
  label: string;
  /** Where to register the OAuth app. */
  setup: string;
}

/** What `POST /api/oauth/start` takes: a new account's cloud and app, or a reconnect. */
export type OAuthStart =
  | {
      name: string;
      cloud: string;
      clientId: string;
      clientSecret: string;
      authUrl?: string;
      tokenUrl?: string;
    }
  | { name: string; reconnect: true };

/** The direct subfolders of a folder of an account (`GET /api/accounts/:name/folders`). */
export interface FolderListing {
  path: string;
  folders: string[];
  /** The relay stopped reading the account's listing early: more folders may exist. */
  truncated: boolean;
}

export interface Device {
  name: string;
  createdAt: number;
  lastSeen?: number;
  bound: boolean;
  label?: string;
}

/** What people see for a device: its label when it has one, else its name. */
export const deviceTitle = (device: { name: string; label?: string | null }): string =>
  device.label || device.name;

export interface Container {
  name: string;
  account: string;
  folder: string;
  device: string;
  groupSize: number;
  crawlIntervalMs: number;
  createdAt: number;
}

export interface CurrentFile {
  container: string;
  path: string;
  bytes: number;
  size: number;
}

export interface DeviceStatusView {
  name: string;
  /** Display label set by "rename" (null or absent: none; the name is shown). */
  label?: string | null;
  bound: boolean;
  online: boolean;
  lastSeen: number | null;
  state: string;
  freeBytes: number | null;
  minFreeBytes: number | null;
  current: CurrentFile[];
  speed: number | null;
  errors: string[];
}

export interface ContainerStatusView {
  name: string;
  account: string;
  folder: string;
  device: string;
  files: number;
  bytes: number;
  fetchedFiles: number;
  fetchedBytes: number;
  groups: number;
  completeGroups: number;
  lastCrawl: number | null;
  nextCrawl: number | null;
  lastError: string | null;
  crawling: boolean;
}

export interface Status {
  devices: DeviceStatusView[];
  containers: ContainerStatusView[];
}

export interface NewContainer {
  name: string;
  account: string;
  device: string;
  folder?: string;
  groupSize?: number;
  crawlIntervalMs?: number;
}

type Fetch = typeof fetch;

/** One method per route of docs/relay.md that the panel needs. */
export class Api {
  constructor(
    private readonly base = '',
    private readonly fetcher: Fetch = (...args) => fetch(...args),
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (method !== 'GET') headers[CSRF_HEADER] = '1';
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetcher(`${this.base}${path}`, {
        method,
        headers,
        credentials: 'same-origin',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'FERRY_OFFLINE', 'the relay cannot be reached', 'check the network');
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string; hint?: string } } | undefined)
        ?.error;
      throw new ApiError(
        response.status,
        error?.code ?? `HTTP_${response.status}`,
        error?.message ?? `the relay answered ${response.status}`,
        error?.hint,
      );
    }
    return parsed as T;
  }

  setupNeeded = async (): Promise<boolean> =>
    !(await this.call<{ hasUser: boolean }>('GET', '/api/setup')).hasUser;
  setup = (user: string, password: string) =>
    this.call<{ user: string }>('POST', '/api/setup', { user, password });
  login = (user: string, password: string) =>
    this.call<{ user: string }>('POST', '/api/login', { user, password });
  logout = () => this.call<void>('POST', '/api/logout');
  /** The logged-in user, or undefined when the session is missing or expired. */
  me = async (): Promise<string | undefined> => {
    try {
      return (await this.call<{ user: string }>('GET', '/api/me')).user;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return undefined;
      throw error;
    }
  };
  pairingCode = () => this.call<{ code: string; expiresAt: number }>('POST', '/api/pairing-codes');
  devices = async () => (await this.call<{ devices: Device[] }>('GET', '/api/devices')).devices;
  unbindDevice = (name: string) => this.call<void>('DELETE', `/api/devices/${encodeURIComponent(name)}`);
  /** Sets the device's display label ('' clears it); its name stays its identity. */
  renameDevice = (name: string, label: string) =>
    this.call<Device>('PATCH', `/api/devices/${encodeURIComponent(name)}`, { label });
  providers = async () => (await this.call<{ providers: ProviderInfo[] }>('GET', '/api/providers')).providers;
  accounts = async () => (await this.call<{ accounts: Account[] }>('GET', '/api/accounts')).accounts;
  addAccount = (name: string, provider: string, options: Record<string, string | number | boolean>) =>
    this.call<Account>('POST', '/api/accounts', { name, provider, options });
  folders = (account: string, path: string) =>
    this.call<FolderListing>(
      'GET',
      `/api/accounts/${encodeURIComponent(account)}/folders?path=${encodeURIComponent(path)}`,
    );
  /** New options in place: those given replace the saved ones, the rest stay (the relay checks them). */
  updateAccount = (name: string, options: Record<string, string | number | boolean | null>) =>
    this.call<Account>('PATCH', `/api/accounts/${encodeURIComponent(name)}`, { options });
  oauthClouds = async () =>
    (await this.call<{ clouds: OAuthCloudInfo[] }>('GET', '/api/oauth/clouds')).clouds;
  /** The cloud's sign-in URL to send the browser to, and the redirect URI to register there. */
  startOAuth = (input: OAuthStart) =>
    this.call<{ authorizeUrl: string; redirectUri: string }>('POST', '/api/oauth/start', input);
  removeAccount = (name: string) => this.call<void>('DELETE', `/api/accounts/${encodeURIComponent(name)}`);
  containers = async () =>
    (await this.call<{ containers: Container[] }>('GET', '/api/containers')).containers;
  addContainer = (input: NewContainer) => this.call<Container>('POST', '/api/containers', input);
  removeContainer = (name: string) =>
    this.call<void>('DELETE', `/api/containers/${encodeURIComponent(name)}`);
  crawlNow = (name: string) =>
    this.call<unknown>('POST', `/api/containers/${encodeURIComponent(name)}/crawl`);
  status = () => this.call<Status>('GET', '/api/status');
}

/**
 * Which form field a refusal is about: an option key the message names in quotes
 * (`option 'root'`, `body field 'options.root'`), else a field whose value the message quotes
 * back (a test listing that failed on that path), else the only field there is. Undefined:
 * show it for the whole form.
 */
export function fieldOfError(
  message: string,
  fields: readonly string[],
  values: Record<string, unknown> = {},
): string | undefined {
  for (const field of fields)
    if (message.includes(`'${field}'`) || message.includes(`'options.${field}'`)) return field;
  for (const field of fields) {
    const value = values[field];
    if (typeof value === 'string' && value.length >= 3 && message.includes(value)) return field;
  }
  return fields.length === 1 ? fields[0] : undefined;
}
