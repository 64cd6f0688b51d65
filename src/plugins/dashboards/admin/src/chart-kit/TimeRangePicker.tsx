import * as React from 'react';
import { Button, Field, Flex, SingleSelect, SingleSelectOption, TextInput } from '@strapi/design-system';
import { RELATIVE_RANGES, rangeBounds, type RelativeRange, type TimeRange } from './timeRange';

const LABELS: Record<RelativeRange, string> = {
  '15m': 'Last 15 minutes',
  '1h': 'Last hour',
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
};
const CUSTOM = 'custom';

/** `datetime-local` inputs speak local time without a zone; the APIs take ISO instants. */
const toLocalInput = (iso: string) => {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};
const fromLocalInput = (value: string) => new Date(value).toISOString();

export interface TimeRangePickerProps {
  value: TimeRange;
  onChange: (range: TimeRange) => void;
  label?: string;
}

/** Relative ranges (15m ... 30d) or absolute from/to bounds, applied with a button. */
export function TimeRangePicker({ value, onChange, label = 'Time range' }: TimeRangePickerProps) {
  const [from, setFrom] = React.useState('');
  const [to, setTo] = React.useState('');
  const [custom, setCustom] = React.useState(value.kind === 'absolute');

  React.useEffect(() => {
    // Start the inputs from the range being shown (e.g. after a zoom), so editing begins from there.
    const bounds = rangeBounds(value);
    setFrom(toLocalInput(bounds.from.toISOString()));
    setTo(toLocalInput(bounds.to.toISOString()));
    if (value.kind === 'absolute') setCustom(true);
  }, [value]);

  const selected = custom ? CUSTOM : value.kind === 'relative' ? value.last : CUSTOM;
  const valid = from && to && !Number.isNaN(Date.parse(from)) && !Number.isNaN(Date.parse(to)) && Date.parse(from) < Date.parse(to);

  return (
    <Flex gap={2} alignItems="flex-end" wrap="wrap">
      <Field.Root name="range" minWidth="210px">
        <Field.Label>{label}</Field.Label>
        <SingleSelect
          value={selected}
          onChange={(next: string | number) => {
            if (next === CUSTOM) return setCustom(true);
            setCustom(false);
            onChange({ kind: 'relative', last: next as RelativeRange });
          }}
        >
          {RELATIVE_RANGES.map((r) => (
            <SingleSelectOption key={r} value={r}>
              {LABELS[r]}
            </SingleSelectOption>
          ))}
          <SingleSelectOption value={CUSTOM}>Custom range…</SingleSelectOption>
        </SingleSelect>
      </Field.Root>
      {custom && (
        <>
          <Field.Root name="from">
            <Field.Label>From</Field.Label>
            <TextInput type="datetime-local" value={from} onChange={(e: React.ChangeEvent<HTMLInputElement>) => setFrom(e.target.value)} />
          </Field.Root>
          <Field.Root name="to">
            <Field.Label>To</Field.Label>
            <TextInput type="datetime-local" value={to} onChange={(e: React.ChangeEvent<HTMLInputElement>) => setTo(e.target.value)} />
          </Field.Root>
          <Button
            variant="secondary"
            disabled={!valid}
            onClick={() => onChange({ kind: 'absolute', from: fromLocalInput(from), to: fromLocalInput(to) })}
          >
            Apply
          </Button>
        </>
      )}
    </Flex>
  );
}
