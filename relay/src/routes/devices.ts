import type { FastifyInstance } from 'fastify';
import { decryptJson } from '../secrets.js';
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
      return reply.status(204).send();
    });

    app.get('/api/device/self', async (request) => {
      const { user, device } = await requireDevice(ctx.auth, request);
      return { user, device };
    });

    /**
     * The one place account options leave the relay: to the device bound to a container, which
     * must read the files from the provider itself. Never to a user session.
     */
    app.get('/api/device/containers', async (request) => {
      const { user, device } = await requireDevice(ctx.auth, request);
      const mine = (await ctx.tables.containers.values()).filter(
        (container) => container.device === device && container.user === user,
      );
      const containers = [];
      for (const container of mine) {
        const account = await ctx.tables.accounts.get(`${user}/${container.account}`);
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
      return { containers };
    });
  };
}
