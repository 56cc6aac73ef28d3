import { setTimeout as delay } from 'node:timers/promises';
import {
  type CliIo,
  FerryError,
  type RelayErrorJson,
  type Runner,
  readSecret,
  relayError,
} from '@ferry/core';
import { formatTime } from './format.js';
import { apiCall, type RelayTarget, relayTarget } from './http.js';

interface Started {
  authorizeUrl: string;
  redirectUri: string;
  signIn: string;
  expiresAt: number;
}

interface Outcome {
  status: 'waiting' | 'connected' | 'failed';
  account: string;
  error?: RelayErrorJson;
}

/** How often the CLI asks the relay whether the browser came back. */
const SIGN_IN_POLL_MS = 1000;

/** `ferry account connect NAME --cloud drive --client-id ID` (the secret from FERRY_CLIENT_SECRET or stdin). */
export const runAccountConnect: Runner = async (parsed, io) => {
  const secret = parsed.command.secrets?.[0];
  if (!secret) throw new FerryError('INTERNAL', 'account connect has no client secret spec');
  const clientSecret = await readSecret(secret, io);
  const target = await relayTarget(parsed.flags, io.env);
  const authUrl = parsed.flags['auth-url'] as string | undefined;
  const tokenUrl = parsed.flags['grant-url'] as string | undefined;
  return signInAndWait(target, io, {
    name: parsed.positionals.NAME as string,
    cloud: parsed.flags.cloud as string,
    clientId: parsed.flags['client-id'] as string,
    clientSecret,
    ...(authUrl !== undefined ? { authUrl } : {}),
    ...(tokenUrl !== undefined ? { tokenUrl } : {}),
  });
};

/** `ferry account reconnect NAME`: a new sign-in with the account's saved OAuth app. */
export const runAccountReconnect: Runner = async (parsed, io) => {
  const target = await relayTarget(parsed.flags, io.env);
  return signInAndWait(target, io, { name: parsed.positionals.NAME as string, reconnect: true });
};

/**
 * Starts the sign-in on the relay, prints the address for a browser, and waits for the relay to
 * say how it ended: the browser may be on another machine, so the CLI only watches.
 */
async function signInAndWait(target: RelayTarget, io: CliIo, body: Record<string, unknown>): Promise<number> {
  const started = await apiCall<Started>(target, 'POST', '/api/oauth/start', body, io.signal);
  io.stdout.write(
    `open this address in a browser that reaches the relay, and sign in at the cloud:\n  ${started.authorizeUrl}\n` +
      `(the OAuth app's redirect URI must be ${started.redirectUri})\n` +
      `waiting until ${formatTime(started.expiresAt)} for the cloud to send the browser back…\n`,
  );
  const path = `/api/oauth/sign-ins/${encodeURIComponent(started.signIn)}`;
  for (;;) {
    // Cut short by Ctrl-C, which the check below then reports.
    await delay(SIGN_IN_POLL_MS, undefined, { signal: io.signal }).catch(() => undefined);
    if (io.signal.aborted) {
      io.stderr.write(
        'stopped waiting; a sign-in finished in the browser still saves the account (ferry account list)\n',
      );
      return 130;
    }
    let outcome: Outcome;
    try {
      outcome = await apiCall<Outcome>(target, 'GET', path, undefined, io.signal);
    } catch (error) {
      if (error instanceof FerryError && error.code === 'NOT_FOUND')
        throw new FerryError(
          'OAUTH_REFUSED',
          'the sign-in expired before the cloud sent the browser back',
          'start again',
        );
      throw error;
    }
    if (outcome.status === 'connected') {
      io.stdout.write(`account ${outcome.account} saved (a test listing worked)\n`);
      return 0;
    }
    // The relay's own code and words: BAD_PROVIDER_OPTIONS when the listing failed, OAUTH_REFUSED when the cloud did.
    if (outcome.status === 'failed') throw relayError(outcome.error, 'OAUTH_REFUSED', 'the sign-in failed');
  }
}
