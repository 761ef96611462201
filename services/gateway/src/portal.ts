import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Serves the built web portal (services/portal, `dist/`) from `/`. Unknown GET paths that
 * are not API paths get index.html so a reload on a portal page still works. The portal
 * holds no data: everything it shows comes from /graphql with the user's token.
 */
export const portalRoutes = fp(
  async (app: FastifyInstance, options: { root: string }) => {
    if (!existsSync(join(options.root, 'index.html'))) {
      app.log.warn({ root: options.root }, 'portal not built: run `pnpm --filter @hub/portal build`');
    }
    await app.register(fastifyStatic, { root: options.root, index: ['index.html'], wildcard: false });
    app.setNotFoundHandler((request, reply) => {
      const api = /^\/(graphql|health|demo-idp|audit)(\/|$|\?)/.test(request.url);
      if (request.method === 'GET' && !api && (request.headers.accept ?? '').includes('text/html')) {
        return reply.type('text/html').sendFile('index.html');
      }
      return reply.code(404).send({
        message: `Route ${request.method}:${request.url} not found`,
        error: 'Not Found',
        statusCode: 404,
      });
    });
  },
  // Not encapsulated: the index.html fallback must be the app-wide 404 handler.
  { name: 'hub-portal' },
);
