/** What each role sees in the main navigation; the first item is their home page. */
export const NAV: Record<string, { href: string; label: string }[]> = {
  senco: [
    { href: '#/search', label: 'Find a child' },
    { href: '#/assessments', label: 'Advice requests' },
  ],
  health_practitioner: [
    { href: '#/assessments', label: 'Assessments' },
    { href: '#/search', label: 'Find a child' },
  ],
  social_worker: [
    { href: '#/search', label: 'Find a child' },
    { href: '#/assessments', label: 'Advice requests' },
  ],
  la_send_officer: [
    { href: '#/dashboard', label: 'Timeliness dashboard' },
    { href: '#/search', label: 'Find a child' },
  ],
  parent_carer: [{ href: '#/family', label: 'Your children' }],
  young_person: [{ href: '#/family', label: 'Your record' }],
  auditor: [{ href: '#/audit', label: 'Access log' }],
};

export function homeFor(role: string): string {
  return NAV[role]?.[0]?.href ?? '#/';
}
