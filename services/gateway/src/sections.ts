/** Which subgraph serves which part of the child record: used to name what is missing. */
export const SERVICE_SECTIONS = {
  record: { field: null, label: 'core record (identity)' },
  education: { field: 'education', label: 'education' },
  health: { field: 'health', label: 'health' },
  'social-care': { field: 'socialCare', label: 'social care' },
} as const;

export type ServiceName = keyof typeof SERVICE_SECTIONS;

export function serviceForPath(path: readonly (string | number)[] | undefined): ServiceName | null {
  if (!path) return null;
  for (const [name, section] of Object.entries(SERVICE_SECTIONS)) {
    if (section.field && path.includes(section.field)) return name as ServiceName;
  }
  return null;
}
