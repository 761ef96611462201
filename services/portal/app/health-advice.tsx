import { useEffect, useState } from 'react';
import { hubCapabilities, type SessionUser } from './api.ts';
import { NotYetAvailable, PageHeading } from './ui.tsx';

/**
 * Health advice for EHC needs assessments: the ICB (integrated care board) must send it
 * within 6 weeks of being asked. The API for drafting and submitting it is still being built,
 * so this screen says so until the hub offers it.
 */
export function AssessmentsScreen({ user }: { user: SessionUser }) {
  const [available, setAvailable] = useState<boolean | null>(null);
  useEffect(() => {
    void hubCapabilities().then((caps) => setAvailable([...caps].some((n) => /healthAdvice/i.test(n))));
  }, []);
  return (
    <>
      <PageHeading caption={user.name}>Assessments waiting for health advice</PageHeading>
      <p className="lead">
        When the council starts an EHC (education, health and care) needs assessment, it asks the NHS for
        health advice. The advice is due within 6 weeks of the request.
      </p>
      {available === false && <NotYetAvailable what="Writing and sending health advice" />}
      {available && <p>Health advice is available in this hub. Find the child to open their assessment.</p>}
      <p>
        <a href="#/search">Find a child</a> to see their shared record.
      </p>
    </>
  );
}
