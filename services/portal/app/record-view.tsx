import type { GqlError } from './api.ts';
import { CONTACT_METHOD_LABEL } from './family-details.tsx';
import { ADVICE_KINDS, type Advice, adviceFields } from './health-advice-form.tsx';
import { formatDate, refusalText, SEN_STATUS, SOCIAL_CARE_STATUS } from './text.ts';

const FAMILY_INFORMATION_FIELDS = `familyInformation { version updatedAt updatedByRole
  aboutMe { whatMattersToMe whatHelps communicationNeeds }
  contactPreferences { preferredMethod bestTimeToContact language interpreterNeeded }
  keyEvents { id description date } }`;

const EHC_FIELDS = `ehcAssessments { id requestDate decision active
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

const CHILD_RECORD_QUERY = /* GraphQL */ `
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

const MILESTONE: Record<string, string> = {
  decision_to_assess: 'Decision whether to assess (6 weeks)',
  draft_plan: 'Draft plan (target)',
  final_plan: 'Final EHC plan (20 weeks)',
  'advice:health': 'Health advice (6 weeks from request)',
  'advice:social_care': 'Social care advice (6 weeks from request)',
  'advice:educational_psychology': 'Educational psychology advice (6 weeks from request)',
  'advice:education': 'Education advice (6 weeks from request)',
};

export const MILESTONE_STATUS: Record<string, string> = {
  not_due: 'Not due yet',
  due_soon: 'Due within 7 days',
  overdue: 'Late',
  met: 'Done on time',
  missed: 'Done late',
};

export function statusTag(status: string): string {
  return status === 'overdue' || status === 'missed'
    ? 'tag tag-red'
    : status === 'met'
      ? 'tag tag-green'
      : 'tag tag-grey';
}

/** EHC needs assessments with their legal deadlines (SEND Regulations 2014). */
export function EhcAssessments({ assessments }: { assessments: EhcAssessment[] }) {
  return (
    <section aria-labelledby="ehc-heading" className="section" data-section="ehc">
      <h2 id="ehc-heading">EHC needs assessment</h2>
      {assessments.length === 0 ? (
        <p>No EHC (education, health and care) needs assessment has been requested.</p>
      ) : (
        assessments.map((a) => (
          <table className="table" key={a.id}>
            <caption className="table-caption">
              Requested on {formatDate(a.requestDate)}
              {a.active ? '' : ' (finished)'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Due</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {a.milestones.map((m) => (
                <tr key={m.name}>
                  <th scope="row">{MILESTONE[m.name] ?? m.name}</th>
                  <td>{formatDate(m.dueDate)}</td>
                  <td>
                    <strong className={statusTag(m.status)}>{MILESTONE_STATUS[m.status] ?? m.status}</strong>
                    {m.status === 'overdue' && m.daysLate != null && ` ${m.daysLate} days late`}
                    {(m.status === 'not_due' || m.status === 'due_soon') &&
                      m.daysRemaining != null &&
                      ` ${m.daysRemaining} days left`}
                    {m.completedDate && ` – done ${formatDate(m.completedDate)}`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))
      )}
    </section>
  );
}

export function childName(c: Pick<ChildRecord, 'givenName' | 'familyName'>): string {
  return [c.givenName, c.familyName].filter(Boolean).join(' ') || 'Name not shown';
}

const PATHWAY: Record<string, string> = {
  NEURODEVELOPMENTAL: 'Neurodevelopmental (for example autism or ADHD) assessment',
  SPEECH_AND_LANGUAGE: 'Speech and language therapy',
};

/** The refusal for a field, if the hub refused it (errors name the field in extensions). */
function refusalFor(errors: GqlError[], field: string): GqlError | undefined {
  return errors.find(
    (e) => e.extensions?.field === field || (e.path && e.path[e.path.length - 1] === field.split('.')[1]),
  );
}

function Refused({ error, role, purpose }: { error: GqlError; role: string; purpose: string }) {
  return (
    <div className="refused">
      <p>
        <strong>Not shown.</strong> {refusalText(error.extensions, role, purpose)}
      </p>
    </div>
  );
}

function Row({ label, value }: { label: string; value: string }) {
  return (
    <div className="summary-row">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

export function RecordView({
  child,
  errors,
  role,
  purpose,
}: {
  child: ChildRecord;
  errors: GqlError[];
  role: string;
  purpose: string;
}) {
  const field = (name: keyof ChildRecord, label: string, value: string | null) => {
    const refused = refusalFor(errors, `Child.${String(name)}`);
    return <Row label={label} value={refused ? 'Not shown to you' : (value ?? 'Not recorded')} />;
  };
  const edu = refusalFor(errors, 'Child.education');
  const health = refusalFor(errors, 'Child.health');
  const social = refusalFor(errors, 'Child.socialCare');
  return (
    <>
      <h2>About the child</h2>
      <dl className="summary-list">
        {field('dateOfBirth', 'Date of birth', child.dateOfBirth ? formatDate(child.dateOfBirth) : null)}
        {field('nhsNumber', 'NHS number', child.nhsNumber)}
        {field('upn', 'Unique pupil number (UPN)', child.upn)}
      </dl>

      {child.familyInformation && (
        <section aria-labelledby="family-info-heading" className="section" data-section="family-information">
          <h2 id="family-info-heading">What the family told us</h2>
          <p className="hint">
            Written by the{' '}
            {child.familyInformation.updatedByRole === 'young_person' ? 'young person' : 'family'} so they
            only have to say it once. Last changed {formatDate(child.familyInformation.updatedAt)}.
          </p>
          <dl className="summary-list">
            <Row
              label="What matters to me"
              value={child.familyInformation.aboutMe.whatMattersToMe ?? 'Not given'}
            />
            <Row label="What helps me" value={child.familyInformation.aboutMe.whatHelps ?? 'Not given'} />
            <Row
              label="How I communicate"
              value={child.familyInformation.aboutMe.communicationNeeds ?? 'Not given'}
            />
            <Row
              label="How to contact the family"
              value={
                [
                  CONTACT_METHOD_LABEL[child.familyInformation.contactPreferences.preferredMethod ?? ''] ??
                    child.familyInformation.contactPreferences.preferredMethod,
                  child.familyInformation.contactPreferences.bestTimeToContact,
                  child.familyInformation.contactPreferences.language,
                  child.familyInformation.contactPreferences.interpreterNeeded
                    ? 'needs an interpreter'
                    : null,
                ]
                  .filter(Boolean)
                  .join(', ') || 'Not given'
              }
            />
            <Row
              label="Key history"
              value={
                child.familyInformation.keyEvents
                  ?.map((e) => (e.date ? `${formatDate(e.date)}: ${e.description}` : e.description))
                  .join('; ') || 'Nothing told yet'
              }
            />
          </dl>
        </section>
      )}
      {child.ehcAssessments && <EhcAssessments assessments={child.ehcAssessments} />}

      <section aria-labelledby="education-heading" className="section" data-section="education">
        <h2 id="education-heading">Education (from the school)</h2>
        {edu ? (
          <Refused error={edu} role={role} purpose={purpose} />
        ) : child.education ? (
          <dl className="summary-list">
            <Row label="School" value={child.education.school?.name ?? 'Not recorded'} />
            <Row
              label="Special educational needs"
              value={SEN_STATUS[child.education.senStatus ?? ''] ?? 'Not recorded'}
            />
            <Row
              label="Attendance this school year"
              value={
                child.education.attendancePercent == null
                  ? 'Not recorded'
                  : `${child.education.attendancePercent}%`
              }
            />
            <Row
              label="Extra help in place"
              value={
                child.education.provisions
                  ?.map(
                    (p) =>
                      p.description +
                      (p.hoursPerWeek
                        ? ` (${p.hoursPerWeek} ${p.hoursPerWeek === 1 ? 'hour' : 'hours'} a week)`
                        : ''),
                  )
                  .join('; ') || 'None recorded'
              }
            />
            {child.education.sencoNotes != null && (
              <Row label="Notes from the SENCO" value={child.education.sencoNotes} />
            )}
          </dl>
        ) : (
          <p>The school has not recorded anything.</p>
        )}
      </section>

      <section aria-labelledby="health-heading" className="section" data-section="health">
        <h2 id="health-heading">Health (from the NHS)</h2>
        {health ? (
          <Refused error={health} role={role} purpose={purpose} />
        ) : child.health ? (
          <dl className="summary-list">
            <Row
              label="Health services involved"
              value={
                child.health.involvements
                  ?.filter((i) => i.active)
                  .map((i) => i.service)
                  .join(', ') || 'None at the moment'
              }
            />
            <Row
              label="Waiting for"
              value={
                child.health.pathwayWaits
                  ?.map(
                    (w) =>
                      `${PATHWAY[w.pathway] ?? w.pathway}: ${w.seenDate ? `seen on ${formatDate(w.seenDate)}` : `waiting ${w.weeksWaited} weeks`}`,
                  )
                  .join('; ') || 'Nothing'
              }
            />
            {child.health.diagnoses != null && (
              <Row
                label="Diagnoses"
                value={child.health.diagnoses.map((d) => d.description).join(', ') || 'None recorded'}
              />
            )}
          </dl>
        ) : (
          <p>No health service holds anything.</p>
        )}
      </section>

      <section aria-labelledby="social-heading" className="section" data-section="socialCare">
        <h2 id="social-heading">Social care (from children's social care)</h2>
        {social ? (
          <Refused error={social} role={role} purpose={purpose} />
        ) : child.socialCare ? (
          <dl className="summary-list">
            {child.socialCare.status != null && (
              <Row
                label="Involvement"
                value={SOCIAL_CARE_STATUS[child.socialCare.status] ?? child.socialCare.status}
              />
            )}
            <Row
              label="Social worker"
              value={
                child.socialCare.allocatedWorker
                  ? `${child.socialCare.allocatedWorker.name}${child.socialCare.allocatedWorker.team ? `, ${child.socialCare.allocatedWorker.team}` : ''}`
                  : 'None allocated'
              }
            />
            <Row
              label="Short breaks"
              value={
                child.socialCare.shortBreaks
                  ?.map((b) => b.description + (b.nightsPerYear ? ` (${b.nightsPerYear} nights a year)` : ''))
                  .join('; ') || 'None'
              }
            />
          </dl>
        ) : (
          <p>Children's social care does not hold anything.</p>
        )}
      </section>
    </>
  );
}
