import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Serves the built web portal (services/portal, `dist/`) from `/`. Unknown GET paths that
 * are not API paths get index.html so a reload on a portal page, or a bookmarked page path,
 * still works. The portal holds no data: everything it shows comes from /graphql with the
 * user's token.
 *
 * Compression: the portal's build writes `.br` and `.gz` beside each text file, and they are
 * sent to browsers that accept them (`Content-Encoding`, `Vary: Accept-Encoding`), with no
 * compression work per request. Caching: Vite's `assets/` file names carry a content hash, so
 * they are cached for a year (`immutable`); index.html is revalidated every time (`no-cache`)
 * so a new release is picked up at once.
 */
export const portalRoutes = fp(
  async (app: FastifyInstance, options: { root: string }) => {
    if (!existsSync(join(options.root, 'index.html'))) {
      app.log.warn({ root: options.root }, 'portal not built: run `pnpm --filter @hub/portal build`');
    }
    await app.register(fastifyStatic, {
      root: options.root,
      index: ['index.html'],
      wildcard: false,
      preCompressed: true,
      cacheControl: false,
      setHeaders: (response, path) => {
        response.setHeader('vary', 'accept-encoding');
        response.setHeader('x-content-type-options', 'nosniff');
        response.setHeader(
          'cache-control',
          /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
    app.setNotFoundHandler((request, reply) => {
      if (
        request.method === 'GET' &&
        !looksLikeApi(request.url) &&
        (request.headers.accept ?? '').includes('text/html')
      ) {
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

/** First path segments that belong to the hub's API, not to the portal's pages. */
const API_SEGMENT = /(^|\/)(graphql|health|demo-idp|auth|audit|internal)(?![a-z0-9_])/;

/**
 * Whether a path that matched no route was meant for the API: such a miss is answered with a
 * JSON 404, never with the portal page. Read leniently on purpose (decoded, any case, any
 * segment, dot segments and `;` left in), so `/GraphQL`, `//graphql`, `/x/../graphql` or
 * `/%2e/graphql` get the same 404 as any other API miss instead of a 200 HTML page.
 */
export function looksLikeApi(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // Malformed escapes: judge the raw path.
  }
  return API_SEGMENT.test(decoded.toLowerCase()) || API_SEGMENT.test(path.toLowerCase());
}
