/**
 * Milliseconds since the epoch, or NaN for an unreadable timestamp. Callers compare in the
 * "must be true to allow" direction so that NaN (any comparison is false) denies.
 */
export function instant(iso: string): number {
  return Date.parse(iso);
}

export const HOUR_MS = 60 * 60 * 1000;
