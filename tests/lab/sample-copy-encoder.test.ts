/**
 * The binary COPY encoder's buffer recycling (the import hands each written batch's buffer back to
 * its worker): a batch encoded into a recycled buffer has the bytes a fresh encoder gives it. Pure
 * functions: no Strapi (the import and export round trips in battery-export.test.ts go through the database).
 */
import { SampleCopyEncoder, type SampleRow } from '../../src/api/lab/services/lab-samples';

const rows = (from: number, n: number, extra: (i: number) => string | null): SampleRow[] => Array.from({ length: n }, (_, k) => {
  const i = from + k;
  return {
    experiment_id: 7, seq: i, recorded_at: new Date(Date.UTC(2026, 0, 1) + i * 1000), test_time_s: i, voltage_v: 3 + i / 1e4,
    current_a: i % 2 ? 1.5 : null, cycle_index: 1 + Math.floor(i / 50), step_index: null, extra: extra(i),
  };
});

function encode(encoder: SampleCopyEncoder, batch: SampleRow[]): Buffer {
  for (const row of batch) encoder.add(row);
  return encoder.take();
}

describe('SampleCopyEncoder: recycled buffers', () => {
  it('encodes the next batches into buffers handed back, byte for byte as a fresh encoder does', () => {
    const encoder = new SampleCopyEncoder(100);
    const first = encode(encoder, rows(0, 100, (i) => (i % 3 ? null : JSON.stringify({ note: 'x'.repeat(i % 40) }))));
    encoder.recycle(first.buffer as ArrayBuffer);
    // A shorter batch than the buffer held: the old batch's bytes past its end must not leak into it.
    const second = rows(100, 60, () => null);
    const again = encode(encoder, second);
    expect(again.buffer).toBe(first.buffer);
    expect(Buffer.compare(again, encode(new SampleCopyEncoder(100), second))).toBe(0);
  });

  it('grows past a recycled buffer that is too small, keeping the rows already encoded', () => {
    const encoder = new SampleCopyEncoder(10);
    const small = encode(encoder, rows(0, 10, () => null));
    encoder.recycle(small.buffer as ArrayBuffer);
    const long = rows(10, 200, (i) => JSON.stringify({ text: 'é'.repeat(300 + i) }));
    const grown = encode(encoder, long);
    expect(grown.buffer).not.toBe(small.buffer);
    expect(Buffer.compare(grown, encode(new SampleCopyEncoder(10), long))).toBe(0);
  });
});
