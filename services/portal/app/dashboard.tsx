import { useEffect, useState } from 'react';
import { gql, readErrors, type TypedDocument } from './api.ts';
import { ErrorSummary } from './fields.tsx';
import type { SendKpisQuery, SendKpisQueryVariables } from './generated/graphql.ts';
import { SendDashboardPanel } from './send-dashboard.tsx';
import { PageHeading } from './ui.tsx';

type PlanTimeliness = SendKpis['plansThisMonth'];

type SendKpis = SendKpisQuery['sendKpis'];

const KPIS: TypedDocument<SendKpisQuery, SendKpisQueryVariables> = /* GraphQL */ `
  query SendKpis {
    sendKpis {
      asAt
      plansThisMonth { from to issued issuedWithin20Weeks percentWithin20Weeks }
      plansRolling12Months { from to issued issuedWithin20Weeks percentWithin20Weeks }
      overdueAdviceByAgency { agency overdue outstanding }
      assessmentsInProgress decisionsToAssessOverdue annualReviewsOverdue reviewDecisionsOverdue
    }
  }
`;

const AGENCY: Record<string, string> = {
  health: 'Health (NHS)',
  social_care: "Children's social care",
  educational_psychology: 'Educational psychology',
  education: 'Education (school)',
};

/** A bar drawn for sighted users; the number is always there as text, so colour and length are never the only cue. */
function Bar({ label, value, max, text }: { label: string; value: number; max: number; text: string }) {
  return (
    <div className="bar-row">
      <dt>{label}</dt>
      <dd>
        <span
          className="bar"
          style={{ width: `${Math.max((value / Math.max(max, 1)) * 80, 0.5)}%` }}
          aria-hidden="true"
        />
        <span className="bar-value">{text}</span>
      </dd>
    </div>
  );
}

function percentText(p: PlanTimeliness): string {
  if (p.issued === 0) return 'No plans issued';
  return `${Math.round(p.percentWithin20Weeks ?? 0)}% (${p.issuedWithin20Weeks} of ${p.issued} plans)`;
}

/** The council's timeliness dashboard (aggregates only, no personal data). */
export function DashboardScreen() {
  const [state, setState] = useState<'loading' | 'failed' | SendKpis>('loading');
  const [errors, setErrors] = useState<string[]>([]);

  useEffect(() => {
    void (async () => {
      // A failure is said page-wide (main.tsx), with "Try again".
      const r = await gql(KPIS);
      setErrors(readErrors(r));
      setState(r.data?.sendKpis ?? 'failed');
    })();
  }, []);

  return (
    <>
      <PageHeading caption="Council SEND team">Timeliness dashboard</PageHeading>
      <p className="lead">
        How quickly EHC (education, health and care) needs assessments and plans are done. The law says a
        final EHC plan must be issued within 20 weeks of the request, and advice from other agencies within 6
        weeks of being asked.
      </p>
      <ErrorSummary messages={errors} />
      {state === 'loading' && <p>Loading…</p>}
      {state === 'failed' && <p>The dashboard could not be loaded.</p>}
      {typeof state === 'object' && (
        <div data-testid="kpis">
          <h2>EHC plans issued within 20 weeks</h2>
          <dl className="bars">
            <Bar
              label="This month"
              value={state.plansThisMonth.percentWithin20Weeks ?? 0}
              max={100}
              text={percentText(state.plansThisMonth)}
            />
            <Bar
              label="Last 12 months"
              value={state.plansRolling12Months.percentWithin20Weeks ?? 0}
              max={100}
              text={percentText(state.plansRolling12Months)}
            />
          </dl>

          <h2>Advice that is late</h2>
          <p>Advice requested from each agency and not received within 6 weeks.</p>
          <dl className="bars">
            {state.overdueAdviceByAgency.map((a) => (
              <Bar
                key={a.agency}
                label={AGENCY[a.agency] ?? a.agency}
                value={a.overdue}
                max={Math.max(...state.overdueAdviceByAgency.map((x) => x.overdue))}
                text={`${a.overdue} late (of ${a.outstanding} still waiting)`}
              />
            ))}
          </dl>

          <h2>Work in progress</h2>
          <dl className="summary-list">
            {[
              ['EHC needs assessments in progress', state.assessmentsInProgress],
              ['Decisions whether to assess that are late (over 6 weeks)', state.decisionsToAssessOverdue],
              ['Annual reviews that are late', state.annualReviewsOverdue],
              ['Annual review decisions that are late (over 4 weeks)', state.reviewDecisionsOverdue],
            ].map(([label, value]) => (
              <div className="summary-row" key={label}>
                <dt>{label}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
          <p className="hint">Figures as at the end of {state.asAt}.</p>
        </div>
      )}
      <SendDashboardPanel />
    </>
  );
}
