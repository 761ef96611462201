/**
 * Hub ids are UUIDs in canonical 8-4-4-4-12 form. We accept versions 1–8 with the RFC 9562
 * variant (so v4 from gen_random_uuid and v7 both pass) and reject the nil UUID and free-form
 * strings, because an id that only looks roughly right usually means a value from the wrong field.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export function isUuid(s: string): boolean {
  return typeof s === 'string' && UUID.test(s);
}
