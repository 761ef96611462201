import type { AuditEventInput } from './event.ts';

/** Synthetic ids for tests (not real children). */
export const TEST_CHILD_A = '6f1c2a4e-8b1d-4c5e-9a7f-1b2c3d4e5f60';
export const TEST_CHILD_B = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

/** A successful SENCO read of one child's identity; tests state only what they change. */
export function anAuditEventInput(overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    requestId: 'req-1',
    actor: { sub: 'demo-senco-1', role: 'senco', orgId: 'school-1' },
    purpose: 'ehc_assessment',
    operationName: 'ChildRecord',
    operationType: 'query',
    outcome: 'ok',
    fieldsReturned: ['Child.givenName'],
    children: [{ childId: TEST_CHILD_A, sections: ['Child'] }],
    ...overrides,
  };
}
