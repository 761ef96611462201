/**
 * Hub ids are UUIDs in canonical 8-4-4-4-12 form. We accept versions 1–8 with the RFC 9562
 * variant (so v4 from gen_random_uuid and v7 both pass) and reject the nil UUID and free-form
 * strings, because an id that only looks roughly right usually means a value from the wrong field.
 * Also a JSON Schema `pattern` (route schemas, see @hub/service-kit record-api), so either case
 * is spelled out rather than left to a regex flag.
 */
export const UUID_PATTERN =
  '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$';
const UUID = new RegExp(UUID_PATTERN);

export function isUuid(s: string): boolean {
  return typeof s === 'string' && UUID.test(s);
}
