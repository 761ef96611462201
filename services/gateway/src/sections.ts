import { SECTION_SUBJECTS, SECTIONS, type SectionService } from '@hub/policy';

export type ServiceName = 'record' | SectionService;

/**
 * Which subgraph serves which part of the child record: used to name what is missing. The
 * sections' services, fields and words come from the policy's vocabulary (@hub/policy SECTIONS).
 */
export const SERVICE_SECTIONS: Readonly<Record<ServiceName, { field: string | null; label: string }>> = {
  record: { field: null, label: 'core record (identity)' },
  ...(Object.fromEntries(
    SECTION_SUBJECTS.map((subject) => {
      const { service, field, label } = SECTIONS[subject];
      return [service, { field, label }];
    }),
  ) as Record<SectionService, { field: string; label: string }>),
};

export function serviceForPath(path: readonly (string | number)[] | undefined): ServiceName | null {
  if (!path) return null;
  for (const [name, section] of Object.entries(SERVICE_SECTIONS)) {
    if (section.field && path.includes(section.field)) return name as ServiceName;
  }
  return null;
}
