import { useState } from 'react';
import { ADVICE_KINDS } from './advice-kinds.ts';
import { getPurpose, gql, isServiceFailure, type SessionUser } from './api.ts';
import { BreakGlassPanel } from './break-glass.tsx';
import { type ChildRecordAnswer, childName, childRecordQuery } from './child-record.ts';
import { ErrorSummary } from './fields.tsx';
import { AdvicePanel } from './health-advice-form.tsx';
import { PurposePicker } from './purpose-picker.tsx';
import { RecordView } from './record-view.tsx';
import { purposeLabel } from './text.ts';
import { LoadError, PageHeading, useLoad } from './ui.tsx';

/**
 * The shared record's data: the child as the partner may see it for the stated purpose, what they
 * may do (the hub's viewer), and the refusals. `purpose` (sent as a header by gql) is a trigger:
 * the record is read again. A failure (network, 502) ends in "failed", never in "Loading record"
 * for ever; the page's "Try again" (main.tsx) draws it afresh.
 */
function useChildRecord(childId: string, role: string, purpose: string) {
  return useLoad(async () => {
    const r = await gql<ChildRecordAnswer>(childRecordQuery(role), { id: childId }, { purpose: true });
    if (!r.data?.child && isServiceFailure(r.errors)) throw new LoadError(r.errors[0]?.message);
    return {
      child: r.data?.child ?? null,
      mayBreakGlass: r.data?.child?.viewer?.canBreakGlass ?? r.data?.viewer?.canBreakGlass ?? false,
      errors: r.errors,
    };
  }, [childId, role, purpose]);
}

export function ChildScreen({ user, childId }: { user: SessionUser; childId: string }) {
  const [purpose, setPurposeState] = useState(getPurpose());
  const record = useChildRecord(childId, user.role, purpose);
  const child = record.state === 'ok' ? record.data.child : null;
  const errors = record.state === 'ok' ? record.data.errors : [];
  const loaded = record.state !== 'loading';

  const fatal = !child && record.state === 'ok' ? errors.map((e) => e.message) : [];
  return (
    <>
      <p>
        <a href="#/search" className="back-link">
          Back to search
        </a>
      </p>
      <PageHeading caption="Shared record">
        {child
          ? childName(child)
          : record.state === 'failed'
            ? 'Record could not be loaded'
            : loaded
              ? 'Record not available'
              : 'Loading record'}
      </PageHeading>
      <ErrorSummary messages={fatal} />
      {record.state === 'ok' && (
        <BreakGlassPanel
          childId={childId}
          mayBreakGlass={record.data.mayBreakGlass}
          somethingHidden={!child || errors.some((e) => e.extensions?.code === 'FORBIDDEN_FIELD')}
        />
      )}
      {child && (
        <>
          <p className="lead">
            You are looking for: <strong>{purposeLabel(purpose)}</strong>. Each agency’s information is shown
            only if the family agreed to share it for this reason.
          </p>
          <details className="details">
            <summary>Change why you are looking</summary>
            <PurposePicker onChange={setPurposeState} />
          </details>
          {Object.values(ADVICE_KINDS).map((kind) => {
            const advice = child.viewer?.writesAdvice.includes(kind.domain) ? child[kind.field] : null;
            return (
              advice && (
                <AdvicePanel
                  key={kind.domain}
                  kind={kind}
                  childId={child.id}
                  advice={advice}
                  assessments={child.ehcAssessments ?? []}
                  onChange={record.reload}
                />
              )
            );
          })}
          <RecordView child={child} errors={errors} role={user.role} purpose={purpose} />
        </>
      )}
    </>
  );
}
