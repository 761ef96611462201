import { randomUUID } from 'node:crypto';
import type { FastifyServerOptions } from 'fastify';

/**
 * pino settings shared by every service. Logs are operational, not audit: they carry
 * request ids and never personal data. Auth headers and the internal context are
 * redacted; GraphQL variables (which may hold names or NHS numbers) are never logged.
 */
export function loggerOptions(
  service: string,
  level: string,
): Pick<FastifyServerOptions, 'logger' | 'genReqId' | 'requestIdHeader' | 'disableRequestLogging'> {
  return {
    logger:
      level === 'silent'
        ? false
        : {
            level,
            base: { service },
            redact: {
              paths: [
                'req.headers.authorization',
                'req.headers["x-hub-context"]',
                'req.headers.cookie',
                '*.variables',
                '*.nhsNumber',
                '*.givenName',
                '*.familyName',
                '*.dateOfBirth',
              ],
              censor: '[redacted]',
            },
          },
    // Accept the gateway's request id so one operation can be followed across services.
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
  };
}
