import { useState } from 'react';
import { getPurpose, setPurpose } from './api.ts';
import { Radios } from './fields.tsx';
import { PURPOSES } from './text.ts';

/** Partners state why they are looking: families agree to share for a reason, not for everything. */
export function PurposePicker({ onChange }: { onChange: (purpose: string) => void }) {
  const [current, setCurrent] = useState(getPurpose());
  return (
    <Radios
      name="purpose"
      legend="Why are you looking at this record?"
      hint="Families agree to share information for a reason. You only see what they agreed to share for the reason you choose. Choosing a reason is recorded."
      items={PURPOSES}
      value={current}
      onChange={(purpose) => {
        setPurpose(purpose);
        setCurrent(purpose);
        onChange(purpose);
      }}
    />
  );
}
