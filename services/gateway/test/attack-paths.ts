import { request } from 'node:http';

/**
 * Raw HTTP for route-guard attacks. `fetch` and `new URL()` normalise what an attacker sends
 * (dot segments, sometimes case of percent-escapes), so these requests go out through
 * node:http with the path exactly as written here.
 */
export interface RawResponse {
  status: number;
  contentType: string;
  body: string;
}

export function rawRequest(
  base: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        method: options.method,
        path: options.path,
        headers: {
          ...(options.body !== undefined
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(options.body) }
            : {}),
          accept: 'application/json',
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const hex = (char: string, upper = false) => {
  const code = `%${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
  return upper ? code.toUpperCase() : code;
};

/**
 * Every spelling of `path` (which may carry a query string) that an attacker might hope a
 * router and a guard read differently: each letter percent-encoded (one at a time, and all
 * at once in upper-case hex), encoded slashes, doubled and trailing slashes, case changes,
 * `;` parameters, dot segments (plain and percent-encoded), padding and a query string.
 */
export function pathVariants(path: string): { name: string; path: string }[] {
  const queryAt = path.indexOf('?');
  const pathname = queryAt === -1 ? path : path.slice(0, queryAt);
  const search = queryAt === -1 ? '' : path.slice(queryAt);
  const segments = pathname.split('/').slice(1);
  const out: { name: string; path: string }[] = [];
  const add = (name: string, p: string) => out.push({ name, path: p + search });

  for (let i = 0; i < pathname.length; i++) {
    const char = pathname[i]!;
    if (/[a-z]/i.test(char)) {
      add(`letter ${i} encoded`, pathname.slice(0, i) + hex(char) + pathname.slice(i + 1));
    }
  }
  add(
    'every letter encoded, upper-case hex',
    pathname.replace(/[a-z]/gi, (c) => hex(c, true)),
  );
  add(
    'first letter encoded, upper-case hex',
    pathname.replace(/[a-z]/i, (c) => hex(c, true)),
  );
  for (let i = 1; i < pathname.length; i++) {
    if (pathname[i] === '/') add(`slash ${i} encoded`, `${pathname.slice(0, i)}%2f${pathname.slice(i + 1)}`);
  }
  add('encoded leading slash', `/%2f${pathname.slice(1)}`);

  add('double leading slash', `/${pathname}`);
  add('triple leading slash', `//${pathname}`);
  if (segments.length > 1) add('double inner slash', pathname.replace(/\/(?=[^/]*$)/, '//'));
  add('trailing slash', `${pathname}/`);
  add('trailing double slash', `${pathname}//`);

  add(
    'first letter upper case',
    pathname.replace(/[a-z]/, (c) => c.toUpperCase()),
  );
  add(
    'every segment capitalised',
    pathname.replace(/\/([a-z])/g, (_, c: string) => `/${c.toUpperCase()}`),
  );
  add('all upper case', pathname.toUpperCase());
  add(
    'mixed case',
    pathname.replace(/[a-z]/g, (c, i: number) => (i % 2 ? c.toUpperCase() : c)),
  );

  add('; flag', `${pathname};x`);
  add('; parameter', `${pathname};a=b`);
  add('; empty', `${pathname};`);
  if (segments.length > 1) add('; inside', `/${segments[0]};x/${segments.slice(1).join('/')}`);

  add('leading dot segment', `/.${pathname}`);
  add('parent dot segment', `/x/..${pathname}`);
  add('parent above root', `/..${pathname}`);
  if (segments.length > 1) add('inner dot segment', `/${segments[0]}/./${segments.slice(1).join('/')}`);
  add('trailing dot segment', `${pathname}/.`);
  add('encoded parent dot segment', `/x/%2e%2e${pathname}`);
  add('encoded parent dot segment, upper-case hex', `/x/%2E%2E${pathname}`);
  add('half-encoded parent dot segment', `/x/.%2e${pathname}`);
  add('encoded dot segment', `/%2e${pathname}`);
  add('encoded slash and dots', `/x%2f..${pathname}`);

  add('encoded trailing space', `${pathname}%20`);
  add('encoded trailing NUL', `${pathname}%00`);
  add('encoded trailing tab', `${pathname}%09`);
  // Served by the route (the query string is not part of the path): must be refused like the plain path.
  out.push({ name: 'extra query parameter', path: `${pathname}?x=1${search ? `&${search.slice(1)}` : ''}` });
  return out;
}

/** True when a response body carries no GraphQL data and none of the given markers. */
export function carriesNoData(body: string, markers: readonly string[] = []): boolean {
  for (const marker of markers) if (marker && body.includes(marker)) return false;
  try {
    const json = JSON.parse(body) as { data?: unknown } | null;
    return json === null || typeof json !== 'object' || json.data === undefined || json.data === null;
  } catch {
    return true;
  }
}
