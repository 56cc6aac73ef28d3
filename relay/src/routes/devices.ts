import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { decryptJson } from '../secrets.js';
import { accountKey } from './accounts.js';
import type { RouteContext } from './context.js';
import { requireDevice, requireUser } from './guard.js';
import { nameParams, nameSchema, objectSchema, passwordSchema } from './schemas.js';

/** Pairing codes, binding a device (by code or by credentials), listing and unbinding devices. */
export function deviceRoutes(ctx: RouteContext) {
  return async (app: FastifyInstance) => {
    app.post('/api/pairing-codes', async (request, reply) => {
      const user = await requireUser(ctx.auth, request);
      return reply.status(201).send(await ctx.auth.createPairingCode(user));
    });

    app.post(
      '/api/devices/pair',
      {
        schema: {
          body: objectSchema({ code: { type: 'string', minLength: 1, maxLength: 32 }, device: nameSchema }, [
            'code',
            'device',
          ]),
        },
      },
      async (request, reply) => {
        const { code, device } = request.body as { code: string; device: string };
        return reply.status(201).send(await ctx.auth.redeemPairingCode(code, device, request.ip));
      },
    );

    app.post(
      '/api/devices/bind',
      {
        schema: {
          body: objectSchema({ user: nameSchema, password: passwordSchema, device: nameSchema }, [
            'user',
            'password',
            'device',
          ]),
        },
      },
      async (request, reply) => {
        const { user, password, device } = request.body as { user: string; password: string; device: string };
        return reply.status(201).send(await ctx.auth.bindDevice(user, password, device, request.ip));
      },
    );

    app.get('/api/devices', async (request) => ({
      devices: await ctx.auth.listDevices(await requireUser(ctx.auth, request)),
    }));

    app.patch(
      '/api/devices/:name',
      {
        schema: {
          params: nameParams,
          body: objectSchema({ label: { type: 'string', maxLength: 256 } }, ['label']),
        },
      },
      async (request) => {
        const user = await requireUser(ctx.auth, request);
        const { name } = request.params as { name: string };
        return ctx.auth.renameDevice(user, name, (request.body as { label: string }).label);
      },
    );

    app.delete('/api/devices/:name', { schema: { params: nameParams } }, async (request, reply) => {
      const user = await requireUser(ctx.auth, request);
      await ctx.auth.removeDevice(user, (request.params as { name: string }).name);
      // A waiting request of that device wakes, finds its token revoked and gets a 401.
      ctx.changes.notify(user);
      return reply.status(204).send();
    });

    app.get('/api/device/self', async (request) => {
      const { user, device } = await requireDevice(ctx.auth, request);
      return { user, device };
    });

    /**
     * The one place account options leave the relay: to the device bound to a container, which
     * must read the files from the provider itself. Never to a user session.
     *
     * `?wait=VERSION` (the `version` of the device's last answer) holds the request until the list
     * differs from that version, or `containerWaitMs` passed: a device hears of a new container at
     * once, without asking every few seconds. The token is checked again before a held answer.
     */
    app.get(
      '/api/device/containers',
      { schema: { querystring: objectSchema({ wait: { type: 'string', pattern: '^[0-9a-f]{16}$' } }) } },
      async (request) => {
        const { user, device } = await requireDevice(ctx.auth, request);
        const { wait } = request.query as { wait?: string };
        let answer = await containersOf(user, device);
        if (wait === undefined || answer.version !== wait) return answer;
        const gone = new AbortController();
        request.raw.once('close', () => gone.abort());
        const deadline = Date.now() + ctx.containerWaitMs;
        while (
          answer.version === wait &&
          !gone.signal.aborted &&
          !ctx.changes.closed &&
          Date.now() < deadline
        ) {
          await ctx.changes.wait(user, deadline - Date.now(), gone.signal);
          await requireDevice(ctx.auth, request);
          answer = await containersOf(user, device);
        }
        return answer;
      },
    );
  };

  async function containersOf(user: string, device: string) {
    const mine = (await ctx.tables.containers.values()).filter(
      (container) => container.device === device && container.user === user,
    );
    const containers = [];
    for (const container of mine) {
      const account = await ctx.tables.accounts.get(accountKey(user, container.account));
      if (!account) continue;
      containers.push({
        name: container.name,
        folder: container.folder,
        account: container.account,
        groupSize: container.groupSize,
        provider: account.provider,
        options: decryptJson<Record<string, unknown>>(ctx.secretKey, account.options),
      });
    }
    // Only this device ever sees the version, and it holds the options already.
    const version = createHash('sha256').update(JSON.stringify(containers)).digest('hex').slice(0, 16);
    return { containers, version };
  }
}
