import { describe } from 'vitest';
import { DESCRIBE, mainScreenTest, resilienceHub, skipBrowser } from './resilience.ts';

// Leaving and coming back for the NHS practitioner, the social worker, the council SEND officer
// and the auditor: each group's main screen (set-up and the other groups: resilience.ts).
describe.skipIf(skipBrowser)(DESCRIBE, () => {
  const r = resilienceHub();

  mainScreenTest(r, 'NHS practitioner');
  mainScreenTest(r, 'social worker');
  mainScreenTest(r, 'council SEND officer');
  mainScreenTest(r, 'auditor');
});
