import { ADVICE_KINDS, type Advice, adviceFields } from './advice-kinds.ts';

/**
 * The child's record as the portal reads it (one query for the record pages, family and
 * partners alike): the selection, the answer's shape and what the viewer may do (Child.viewer).
 */

export const FAMILY_INFORMATION_FIELDS = `familyInformation { version updatedAt updatedByRole
  aboutMe { whatMattersToMe whatHelps communicationNeeds }
  contactPreferences { preferredMethod bestTimeToContact language interpreterNeeded }
  keyEvents { id description date } }`;

export const EHC_FIELDS = `ehcAssessments { id requestDate decision active
  milestones { name dueDate completedDate statutory status daysRemaining daysLate }
  adviceRequests { id agency sentDate receivedDate dueDate status } }`;

/**
 * The record query. Health advice for everyone (as before); educational and social care advice
 * only for the role that writes it (`role`), the only screen that shows it.
 */
export function childRecordQuery(role?: string): string {
  const extra = [
    EHC_FIELDS,
    ...Object.values(ADVICE_KINDS).map((kind) =>
      kind.domain === 'health' || kind.writer === role ? adviceFields(kind) : '',
    ),
    FAMILY_INFORMATION_FIELDS,
  ];
  return CHILD_RECORD_QUERY.replace('__EHC__', extra.join('\n'));
}

export const CHILD_RECORD_QUERY = /* GraphQL */ `
  query ChildRecord($id: ID!) {
    viewer { canBreakGlass }
    child(id: $id) {
      id givenName familyName dateOfBirth nhsNumber upn
      viewer { canManageConsent canBreakGlass writesAdvice }
      __EHC__
      education { senStatus school { name } attendancePercent sencoNotes provisions { id description hoursPerWeek } updatedAt }
      health { involvements { id service active } pathwayWaits { id pathway weeksWaited seenDate } diagnoses { id description diagnosedOn } updatedAt }
      socialCare { status allocatedWorker { name team } shortBreaks { id description nightsPerYear } updatedAt }
    }
  }
`;

/** What the hub lets the signed-in user do, for a child they can see (Child.viewer). */
export interface ChildViewer {
  canManageConsent: boolean;
  canBreakGlass: boolean;
  writesAdvice: string[];
}

/** The record query's answer: the child (null when not found or not theirs) and the user's own rights. */
export interface ChildRecordAnswer {
  viewer: { canBreakGlass: boolean } | null;
  child: ChildRecord | null;
}

export interface ChildRecord {
  id: string;
  viewer: ChildViewer | null;
  givenName: string | null;
  familyName: string | null;
  dateOfBirth: string | null;
  nhsNumber: string | null;
  upn: string | null;
  education: null | {
    senStatus: string | null;
    school: { name: string } | null;
    attendancePercent: number | null;
    sencoNotes: string | null;
    provisions: { id: string; description: string; hoursPerWeek: number | null }[] | null;
    updatedAt: string | null;
  };
  health: null | {
    involvements: { id: string; service: string; active: boolean }[] | null;
    pathwayWaits: { id: string; pathway: string; weeksWaited: number; seenDate: string | null }[] | null;
    diagnoses: { id: string; description: string; diagnosedOn: string | null }[] | null;
    updatedAt: string | null;
  };
  ehcAssessments?: EhcAssessment[] | null;
  healthAdvice?: Advice[] | null;
  educationalAdvice?: Advice[] | null;
  socialCareAdvice?: Advice[] | null;
  familyInformation?: null | {
    version: number;
    updatedAt: string;
    updatedByRole: string;
    aboutMe: { whatMattersToMe: string | null; whatHelps: string | null; communicationNeeds: string | null };
    contactPreferences: {
      preferredMethod: string | null;
      bestTimeToContact: string | null;
      language: string | null;
      interpreterNeeded: boolean | null;
    };
    keyEvents?: { id: string; description: string; date: string | null }[];
  };
  socialCare: null | {
    status: string | null;
    allocatedWorker: { name: string; team: string | null } | null;
    shortBreaks: { id: string; description: string; nightsPerYear: number | null }[] | null;
    updatedAt: string | null;
  };
}

export interface EhcMilestone {
  name: string;
  dueDate: string;
  completedDate: string | null;
  statutory: boolean;
  status: string;
  daysRemaining: number | null;
  daysLate: number | null;
}

export interface EhcAssessment {
  id: string;
  requestDate: string;
  decision: string | null;
  active: boolean;
  milestones: EhcMilestone[];
  adviceRequests: {
    id: string;
    agency: string;
    sentDate: string;
    receivedDate: string | null;
    dueDate: string;
    status: string;
  }[];
}
export function childName(c: Pick<ChildRecord, 'givenName' | 'familyName'>): string {
  return [c.givenName, c.familyName].filter(Boolean).join(' ') || 'Name not shown';
}
