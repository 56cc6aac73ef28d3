import type { Client, ClientChannel, ConnectConfig, SFTPWrapper } from 'ssh2';
import { FerryError } from '../../errors.js';
import { hostKeyFingerprint } from './host-key.js';
import { mapSftpError } from './sftp-errors.js';

export interface SftpLogin {
  host: string;
  port: number;
  username: string;
  password?: string;
  /** PEM / OpenSSH private key text, or a way to read it when connecting. */
  privateKey?: string | (() => Promise<string>);
  passphrase?: string;
  /** The pinned host key fingerprint (`SHA256:…`); absent: the first key seen is pinned. */
  hostKeySha256?: string;
  /** Called once with the fingerprint pinned on first use (when none was given). */
  onHostKey?: (fingerprint: string) => void;
  readyTimeoutMs: number;
  /** SFTP channels opened at most (each is one server-side sftp process). */
  channels: number;
}

interface Channel {
  sftp: SFTPWrapper;
  load: number;
  open: boolean;
}

interface Session {
  client: Client;
  channels: Channel[];
  /** Channels being opened right now (counted against the pool size). */
  opening: number;
  alive: boolean;
}

export interface ChannelLease {
  sftp: SFTPWrapper;
  release(): void;
}

export interface ExecResult {
  stdout: Buffer;
  stderr: string;
  exitCode: number | undefined;
}

/**
 * One SSH connection with a small pool of SFTP channels, opened on first use and again after it
 * dropped (the call that saw the drop fails TRANSIENT; the next one reconnects). The host key is
 * checked against the pin on every connect; with no pin, the first key seen becomes the pin for
 * the life of this object and is reported through `onHostKey`.
 */
export class SshConnection {
  private session: Promise<Session> | undefined;
  /** The session `session` resolved to, while it is up. */
  private live: Session | undefined;
  private pinned: string | undefined;
  private seen: string | undefined;
  private closed = false;
  private readonly clients = new Set<Client>();

  constructor(private readonly login: SftpLogin) {
    this.pinned = login.hostKeySha256;
  }

  /** The fingerprint of the host key the server showed on the last connect. */
  get hostKeySha256(): string | undefined {
    return this.seen;
  }

  /** The least-loaded SFTP channel, opening another one while the pool is not full. */
  async channel(): Promise<ChannelLease> {
    const session = await this.current();
    let channel = leastLoaded(session.channels);
    if (
      (channel === undefined || channel.load > 0) &&
      session.channels.length + session.opening < this.login.channels
    )
      channel = await this.openChannel(session);
    else if (channel === undefined) {
      // Every slot is being opened by someone else: wait for one of them.
      await new Promise((resolve) => setTimeout(resolve, 5));
      return this.channel();
    }
    channel.load++;
    let released = false;
    const leased = channel;
    return {
      sftp: leased.sftp,
      release: () => {
        if (released) return;
        released = true;
        leased.load--;
      },
    };
  }

  /** Runs a command over an exec channel and collects its output (for small outputs only). */
  async exec(command: string, maxOutput = 16 * 1024 * 1024): Promise<ExecResult> {
    const session = await this.current();
    return new Promise<ExecResult>((resolve, reject) => {
      if (!session.alive)
        return reject(new FerryError('TRANSIENT', `sftp: ${this.where()}: the connection dropped`));
      session.client.exec(command, (error: Error | undefined, stream: ClientChannel) => {
        if (error) return reject(mapSftpError(error, 'exec'));
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let size = 0;
        let exitCode: number | undefined;
        stream.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxOutput) {
            stream.close();
            reject(new FerryError('INTERNAL', `sftp: exec output over ${maxOutput} bytes`));
          } else out.push(chunk);
        });
        stream.stderr.on('data', (chunk: Buffer) => {
          if (err.length < 64) err.push(chunk);
        });
        stream.on('exit', (code: number | null) => {
          exitCode = code ?? undefined;
        });
        stream.on('error', (e: unknown) => reject(mapSftpError(e, 'exec')));
        stream.on('close', () =>
          resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), exitCode }),
        );
      });
    });
  }

  /** Ends the connection; later calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    const pending = this.session;
    this.session = undefined;
    this.live = undefined;
    for (const client of this.clients) client.end();
    await pending?.then(
      (session) => (session.alive ? waitClosed(session.client) : undefined),
      () => {},
    );
  }

  private current(): Promise<Session> {
    if (this.closed) return Promise.reject(new FerryError('INTERNAL', 'sftp: the provider was closed'));
    if (this.session === undefined) {
      const connecting = this.connect();
      this.session = connecting;
      // A failed connect is not kept: the next call tries again.
      connecting.catch(() => {
        if (this.session === connecting) this.session = undefined;
      });
    }
    return this.session;
  }

  private async connect(): Promise<Session> {
    const key = this.login.privateKey;
    const privateKey = typeof key === 'function' ? await key() : key;
    // Loaded on the first connection: importing Ferry's providers must not load ssh2.
    const { Client } = await import('ssh2');
    return new Promise<Session>((resolve, reject) => {
      const client = new Client();
      this.clients.add(client);
      let mismatch: string | undefined;
      let settled = false;
      const session: Session = { client, channels: [], opening: 0, alive: true };
      const drop = () => {
        session.alive = false;
        this.clients.delete(client);
        // Synchronously: the next call must not be handed a connection that is gone.
        if (this.live === session) {
          this.live = undefined;
          this.session = undefined;
        }
      };
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        drop();
        client.end();
        reject(error);
      };
      client.on('ready', () => {
        if (settled) return;
        settled = true;
        this.live = session;
        if (this.pinned === undefined && this.seen !== undefined) {
          this.pinned = this.seen;
          this.login.onHostKey?.(this.seen);
        }
        resolve(session);
      });
      client.on('error', (error) => {
        if (mismatch !== undefined)
          fail(
            new FerryError(
              'AUTH',
              `sftp: ${this.where()}: the server's host key ${mismatch} does not match the pinned ${this.pinned}`,
              "if the server's key was changed on purpose, set hostKeySha256 to the new fingerprint; otherwise someone may be in the middle",
              { cause: error },
            ),
          );
        else fail(mapSftpError(error, `connect to ${this.where()}`));
        drop();
      });
      client.on('close', () => {
        drop();
        fail(new FerryError('TRANSIENT', `sftp: ${this.where()}: the connection closed during login`));
      });
      const config: ConnectConfig = {
        host: this.login.host,
        port: this.login.port,
        username: this.login.username,
        readyTimeout: this.login.readyTimeoutMs,
        keepaliveInterval: 15_000,
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer) => {
          const fingerprint = hostKeyFingerprint(key);
          this.seen = fingerprint;
          if (this.pinned !== undefined && fingerprint !== this.pinned) {
            mismatch = fingerprint;
            return false;
          }
          return true;
        },
      } as ConnectConfig;
      if (this.login.password !== undefined) config.password = this.login.password;
      if (privateKey !== undefined) config.privateKey = privateKey;
      if (this.login.passphrase !== undefined) config.passphrase = this.login.passphrase;
      try {
        client.connect(config);
      } catch (error) {
        // ssh2 throws synchronously on a private key it cannot parse.
        fail(
          new FerryError(
            'BAD_PROVIDER_OPTIONS',
            `sftp: ${error instanceof Error ? error.message : String(error)}`,
            'privateKey must be the text of an OpenSSH or PEM private key',
          ),
        );
      }
    });
  }

  private openChannel(session: Session): Promise<Channel> {
    session.opening++;
    return new Promise<Channel>((resolve, reject) => {
      if (!session.alive) {
        session.opening--;
        return reject(new FerryError('TRANSIENT', `sftp: ${this.where()}: the connection dropped`));
      }
      const opened = (error: Error | undefined, sftp: SFTPWrapper) => {
        session.opening--;
        if (error) return reject(mapSftpError(error, `open an sftp channel on ${this.where()}`));
        const channel: Channel = { sftp, load: 0, open: true };
        // A protocol error ends the channel (ssh2 then fails its pending requests): drop it.
        sftp.on('error', () => {
          channel.open = false;
        });
        sftp.on('close', () => {
          channel.open = false;
          const at = session.channels.indexOf(channel);
          if (at >= 0) session.channels.splice(at, 1);
        });
        session.channels.push(channel);
        resolve(channel);
      };
      try {
        session.client.sftp(opened);
      } catch (error) {
        // ssh2 throws 'Not connected' when the socket went away since the session was handed out.
        session.opening--;
        reject(mapSftpError(error, `open an sftp channel on ${this.where()}`));
      }
    });
  }

  private where(): string {
    return `${this.login.username}@${this.login.host}:${this.login.port}`;
  }
}

function leastLoaded(channels: readonly Channel[]): Channel | undefined {
  let best: Channel | undefined;
  for (const channel of channels)
    if (channel.open && (best === undefined || channel.load < best.load)) best = channel;
  return best;
}

function waitClosed(client: Client): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 1000);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
