import { describe, expect, it } from 'vitest';
import { isUuid } from './uuid.ts';

describe('isUuid', () => {
  it('accepts canonical v4 and v7 UUIDs in either case', () => {
    expect(isUuid('3f2b8c1e-9d4a-4b6f-8a2e-1c5d7e9f0a1b')).toBe(true);
    expect(isUuid('3F2B8C1E-9D4A-4B6F-8A2E-1C5D7E9F0A1B')).toBe(true);
    expect(isUuid('01890a5d-ac96-774b-bcce-b302099a8057')).toBe(true);
  });

  it('rejects nil, wrong variant, braces, missing hyphens and junk', () => {
    for (const bad of [
      '00000000-0000-0000-0000-000000000000',
      '3f2b8c1e-9d4a-4b6f-ca2e-1c5d7e9f0a1b',
      '{3f2b8c1e-9d4a-4b6f-8a2e-1c5d7e9f0a1b}',
      '3f2b8c1e9d4a4b6f8a2e1c5d7e9f0a1b',
      '3f2b8c1e-9d4a-4b6f-8a2e-1c5d7e9f0a1',
      'school-1',
      '',
    ]) {
      expect(isUuid(bad)).toBe(false);
    }
    expect(isUuid(42 as unknown as string)).toBe(false);
  });
});
