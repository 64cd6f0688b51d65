/**
 * The import's hot-path conversions against their plain definitions: the hand-written decimal
 * reader against the regex and Number() it replaced, and the compiled row converter's edge cases.
 * Pure functions: no Strapi.
 */
import { FIELD_SLOT, RowError, SAMPLE_FIELDS, decimalValue, detectLayout, laterTwin, parseDate, recordConverter, rowConverter } from '../../src/api/lab/services/battery-formats';

const DECIMAL = /^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$/;
const reference = (s: string) => (DECIMAL.test(s) ? Number(s) : Number.NaN);

/** A small deterministic generator (mulberry32): the same cases on every run. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('battery formats: hot-path conversions', () => {
  it('decimalValue reads exactly what the regex accepts, to the same double as Number()', () => {
    const fixed = [
      '0', '-0', '+1', '007', '3.7000', '0.000001', '1e5', '1E-5', '-2.5e+3', '1e22', '1e23', '1.5e-300', '123456789012345',
      '1234567890123456', '9007199254740993', '0.1', '0.30000000000000004', '4.35', '-0.98', '25.99',
      // Refused by the regex though Number() reads them.
      '', ' 1', '1 ', '.5', '5.', '1.e5', '0x10', '0b11', '0o7', 'Infinity', '-Infinity', '1e', '1e+', '--1', '+-1', '1_000', '1,5', 'NaN',
    ];
    for (const s of fixed) expect([s, decimalValue(s)]).toEqual([s, reference(s)]);
    const next = random(6);
    const chars = '0123456789.eE+-x ';
    for (let k = 0; k < 200_000; k++) {
      let s: string;
      if (k % 2) {
        const v = next() * 10 ** (next() * 40 - 20) * (next() < 0.5 ? -1 : 1);
        s = v.toPrecision(1 + Math.floor(next() * 17));
        if (next() < 0.3) s = s.replace('e', 'E');
      } else {
        s = '';
        for (let j = 1 + Math.floor(next() * 12); j > 0; j--) s += chars[Math.floor(next() * chars.length)];
      }
      const got = decimalValue(s);
      const want = reference(s);
      if (!Object.is(got, want)) throw new Error(`decimalValue(${JSON.stringify(s)}) = ${got}, Number() reads ${want}`);
    }
  });

  it('rowConverter: units, sign, decimal commas, extended measures as JSON text, errors naming line and column', () => {
    const layout = detectLayout([['Test_Time(s)', 'Voltage(mV)', 'Current(mA)', 'Cycle_Index', 'Note', 'Aux']], ';', { currentSign: 'discharge-positive' });
    const convert = rowConverter(layout);
    const values = new Float64Array(SAMPLE_FIELDS.length);
    const extra = convert(['1,5', '3700', '250', '2', 'says "hi"', '0,25'], 7, values);
    expect(values[FIELD_SLOT.test_time_s]).toBe(1.5);
    expect(values[FIELD_SLOT.voltage_v]).toBe(3.7);
    expect(values[FIELD_SLOT.current_a]).toBe(-0.25);
    expect(values[FIELD_SLOT.cycle_index]).toBe(2);
    expect(Number.isNaN(values[FIELD_SLOT.temperature_c])).toBe(true);
    expect(JSON.parse(extra as string)).toEqual({ Note: 'says "hi"', Aux: 0.25 });
    // The previous row's values do not leak into the next.
    expect(convert(['2', '3701', '250', '', '', ''], 8, values)).toBeNull();
    expect(Number.isNaN(values[FIELD_SLOT.cycle_index])).toBe(true);
    expect(recordConverter(layout)(['2', '3701', '250', '', '', ''], 8).values).toEqual({ test_time_s: 2, voltage_v: 3.701, current_a: -0.25, cycle_index: null });
    const failure = (cells: string[]) => {
      try {
        convert(cells, 9, values);
      } catch (error) {
        return error instanceof RowError ? error.message : String(error);
      }
      return null;
    };
    expect(failure(['2', '.5', '250', '1', '', ''])).toBe('line 9, column "Voltage(mV)" (value ".5"): not a number');
    expect(failure(['2', '3700', '0x10', '1', '', ''])).toBe('line 9, column "Current(mA)" (value "0x10"): not a number');
    expect(failure(['2', '3700', '250', '1,5', '', ''])).toBe('line 9, column "Cycle_Index" (value "1,5"): not a whole number >= 0');
    expect(failure(['2', '', '250', '1', '', ''])).toBe('line 9, column "Voltage(mV)" (value ""): voltage is required');
  });

  it('wall-clock dates across daylight saving time: a skipped time is refused, a repeated hour read in order', () => {
    // Europe/Madrid 2026: clocks go 02:00 -> 03:00 on 29 March, 03:00 -> 02:00 on 25 October.
    expect(parseDate('2026-03-29 02:30:00', 'iso', 'Europe/Madrid')).toMatch(/not a time in Europe\/Madrid: the clocks skipped it/);
    expect(parseDate('29/03/2026 02:00', 'DD/MM/YYYY', 'Europe/Madrid')).toMatch(/skipped/);
    expect(parseDate('2026-03-29 03:00:00', 'iso', 'Europe/Madrid')).toBe(Date.parse('2026-03-29T01:00:00Z'));
    expect(parseDate('2026-03-29 02:30:00', 'iso', 'UTC')).toBe(Date.parse('2026-03-29T02:30:00Z'));
    const earlier = parseDate('2026-10-25 02:30:00', 'iso', 'Europe/Madrid') as number;
    expect(earlier).toBe(Date.parse('2026-10-25T00:30:00Z'));
    expect(laterTwin(earlier, 'Europe/Madrid')).toBe(Date.parse('2026-10-25T01:30:00Z'));
    expect(laterTwin(Date.parse('2026-10-25T01:30:00Z'), 'Europe/Madrid')).toBeNull();
    expect(laterTwin(Date.parse('2026-07-01T10:00:00Z'), 'Europe/Madrid')).toBeNull();
    // Lord Howe Island moves its clocks by 30 minutes.
    expect(laterTwin(Date.parse('2026-04-04T14:45:00Z'), 'Australia/Lord_Howe')).toBe(Date.parse('2026-04-04T15:15:00Z'));

    const layout = detectLayout([['Test_Time(s)', 'Date_Time', 'Current(A)', 'Voltage(V)']], ',', { timezone: 'Europe/Madrid' });
    const convert = rowConverter(layout);
    const values = new Float64Array(SAMPLE_FIELDS.length);
    const wall = ['01:45', '02:00', '02:15', '02:30', '02:45', '02:00', '02:15', '02:30', '02:45', '03:00'];
    const instants = wall.map((time, i) => {
      convert([String(900 * i), `2026-10-25 ${time}:00`, '1.0', '3.7'], i + 2, values);
      return new Date(values[FIELD_SLOT.recorded_at]).toISOString();
    });
    expect(instants).toEqual(wall.map((_, i) => new Date(Date.parse('2026-10-24T23:45:00Z') + 900_000 * i).toISOString()));
    // A date with its own offset is that instant, even going back in the repeated hour.
    convert(['9000', '2026-10-25T02:15:00+02:00', '1.0', '3.7'], 12, values);
    expect(values[FIELD_SLOT.recorded_at]).toBe(Date.parse('2026-10-25T00:15:00Z'));
    expect(() => convert(['9900', '2026-03-29 02:30:00', '1.0', '3.7'], 13, values)).toThrow(
      'line 13, column "Date_Time" (value "2026-03-29 02:30:00"): not a time in Europe/Madrid: the clocks skipped it (daylight saving time began); check the time zone',
    );
  });
});
