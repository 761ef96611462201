import { getPurpose, setPurpose } from './api.ts';
import { PURPOSES } from './text.ts';

/** Partners state why they are looking: families agree to share for a reason, not for everything. */
export function PurposePicker({ onChange }: { onChange: (purpose: string) => void }) {
  const current = getPurpose();
  return (
    <fieldset className="fieldset" aria-describedby="purpose-hint">
      <legend className="legend">Why are you looking at this record?</legend>
      <p className="hint" id="purpose-hint">
        Families agree to share information for a reason. You only see what they agreed to share for the
        reason you choose. Choosing a reason is recorded.
      </p>
      <div className="radios">
        {PURPOSES.map((p) => (
          <div className="radio" key={p.value}>
            <input
              type="radio"
              id={`purpose-${p.value}`}
              name="purpose"
              value={p.value}
              defaultChecked={current === p.value}
              aria-describedby={`purpose-${p.value}-hint`}
              onChange={() => {
                setPurpose(p.value);
                onChange(p.value);
              }}
            />
            <label htmlFor={`purpose-${p.value}`}>{p.label}</label>
            <p className="hint radio-hint" id={`purpose-${p.value}-hint`}>
              {p.hint}
            </p>
          </div>
        ))}
      </div>
    </fieldset>
  );
}
