import type { FastifyInstance } from 'fastify';
import type { ContainerRecord, DeviceRecord } from '../records.js';
import { containerStatus, deviceStatus } from '../status.js';
import type { RouteContext } from './context.js';
import { principalOf } from './guard.js';

/** `GET /api/status`: a user sees all their devices and containers, a device only itself and its own. */
export function statusRoutes(ctx: RouteContext) {
  return async (app: FastifyInstance) => {
    app.get('/api/status', async (request) => {
      const principal = await principalOf(ctx.auth, request);
      const mine = (device: DeviceRecord) =>
        device.user === principal.user && (principal.kind === 'user' || device.name === principal.device);
      const mineContainer = (container: ContainerRecord) =>
        container.user === principal.user &&
        (principal.kind === 'user' || container.device === principal.device);
      const now = ctx.clock();
      const devices = (await ctx.tables.devices.values()).filter(mine);
      const containers = (await ctx.tables.containers.values()).filter(mineContainer);
      return {
        devices: await Promise.all(
          devices.map((device) => deviceStatus(ctx.docs, device, now, ctx.isOnline)),
        ),
        containers: await Promise.all(
          containers.map((container) =>
            containerStatus(ctx.docs, container, ctx.crawler?.nextCrawl?.(container.name)),
          ),
        ),
      };
    });
  };
}
