import { ageOn } from '@hub/policy';
import { buildSendWorkflow, type SyntheticChild } from '@hub/synthetic';
import { expect } from 'vitest';
import type { TestHub } from './hub.ts';

/** Health advice whose every section is long enough to submit (synthetic text). */
export const HEALTH_ADVICE = {
  needs: 'Synthetic: difficulties with social communication and sensory processing.',
  outcomesSought: 'Synthetic: able to take part in class routines with support by the end of key stage 2.',
  provisionRecommended: 'Synthetic: speech and language therapy programme, 6 sessions per term.',
};

/** An under-15 child with an ICB involvement and no EHC needs assessment yet (demo-health-1's). */
export function healthAdviceChild(hub: TestHub): SyntheticChild {
  const withAssessment = new Set(buildSendWorkflow(hub.dataset).assessments.map((a) => a.childId));
  const child = hub.dataset.children.find(
    (c) =>
      !withAssessment.has(c.id) &&
      ageOn(c.dateOfBirth, new Date()) < 15 &&
      c.health?.involvements.some((i) => i.organisationId === 'icb-1' && !i.endDate),
  );
  expect(child, 'seed needs an under-15 child with an ICB involvement and no EHC assessment').toBeDefined();
  return child!;
}

/** Health advice rows of a child, as the health service's database holds them. */
export async function healthAdviceRows(hub: TestHub, childId: string): Promise<number> {
  const [row] = await hub.subgraphs.health.db.query<{ n: number }>(
    'select count(*)::int as n from health.health_advice where child_id = $1',
    [childId],
  );
  return row!.n;
}
