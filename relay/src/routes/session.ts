import type { FastifyInstance } from 'fastify';
import { SESSION_TTL_MS } from '../auth/auth.js';
import type { RouteContext } from './context.js';
import { clearSessionCookie, requestToken, requireUser, setSessionCookie } from './guard.js';
import { nameSchema, objectSchema, passwordSchema } from './schemas.js';

const credentials = objectSchema({ user: nameSchema, password: passwordSchema }, ['user', 'password']);

/** First-run setup, login, logout and who-am-I. */
export function sessionRoutes(ctx: RouteContext) {
  return async (app: FastifyInstance) => {
    app.get('/api/setup', async () => ({ hasUser: await ctx.auth.hasUsers() }));

    app.post('/api/setup', { schema: { body: credentials } }, async (request, reply) => {
      const { user, password } = request.body as { user: string; password: string };
      const record = await ctx.auth.setupFirstUser(user, password);
      const session = await ctx.auth.login(user, password, request.ip);
      setSessionCookie(reply, request, session.token, SESSION_TTL_MS);
      return reply
        .status(201)
        .send({ user: record.name, token: session.token, expiresAt: session.expiresAt });
    });

    app.post('/api/login', { schema: { body: credentials } }, async (request, reply) => {
      const { user, password } = request.body as { user: string; password: string };
      const session = await ctx.auth.login(user, password, request.ip);
      setSessionCookie(reply, request, session.token, SESSION_TTL_MS);
      return { user: session.user, token: session.token, expiresAt: session.expiresAt };
    });

    app.post('/api/logout', async (request, reply) => {
      await requireUser(ctx.auth, request);
      const found = requestToken(request);
      if (found) await ctx.auth.logout(found.token);
      clearSessionCookie(reply);
      return reply.status(204).send();
    });

    app.get('/api/me', async (request) => ({ user: await requireUser(ctx.auth, request) }));
  };
}
