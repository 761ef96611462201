import type { ReactNode } from 'react';

/** A page heading that can take focus (focus moves here on navigation). */
export function PageHeading({ children, caption }: { children: ReactNode; caption?: string }) {
  return (
    <h1 tabIndex={-1}>
      {caption && <span className="caption">{caption}</span>}
      {children}
    </h1>
  );
}

export function ErrorSummary({ messages }: { messages: string[] }) {
  if (messages.length === 0) return null;
  return (
    <div className="error-summary" role="alert">
      <h2>There is a problem</h2>
      <ul>
        {messages.map((m) => (
          <li key={m}>{m}</li>
        ))}
      </ul>
    </div>
  );
}

export function Inset({ children }: { children: ReactNode }) {
  return <div className="inset">{children}</div>;
}

export function NotYetAvailable({ what }: { what: string }) {
  return (
    <Inset>
      <p>
        {what} is not switched on in this hub yet. It will appear here when the service that provides it is
        running.
      </p>
    </Inset>
  );
}
