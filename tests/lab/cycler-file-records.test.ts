/**
 * src/api/lab/cycler-file.ts `recordChunks`: the import worker's CSV parse. Pure (no Strapi): the
 * records of a text given in pieces, and the flat memory of a long file (the text is read only as
 * fast as its records are taken).
 */
import { recordChunks } from '../../src/api/lab/cycler-file';

async function* pieces(text: string, size: number, pulled = { count: 0 }): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) {
    pulled.count += 1;
    yield text.slice(i, i + size);
  }
}

async function allRecords(text: string, size: number): Promise<string[][]> {
  const records: string[][] = [];
  for await (const chunk of recordChunks(pieces(text, size), ',')) records.push(...chunk);
  return records;
}

describe('recordChunks', () => {
  it('gives the same records whatever the pieces, a quoted line break or a line split across pieces included', async () => {
    const text = 'time,"note",v\n1,"two\nlines",3.5\n2,"say ""hi""",4\n\n3,,5';
    const expected = [['time', 'note', 'v'], ['1', 'two\nlines', '3.5'], ['2', 'say "hi"', '4'], [''], ['3', '', '5']];
    for (const size of [1, 2, 7, 1000]) expect(await allRecords(text, size)).toEqual(expected);
    // Papaparse guesses the line ending from the first piece (a body chunk holds the header line).
    const crlf = text.replace(/\n/g, '\r\n');
    const expectedCrlf = expected.map((record) => record.map((cell) => cell.replace('\n', '\r\n')));
    for (const size of [16, 23, 1000]) expect(await allRecords(crlf, size)).toEqual(expectedCrlf);
  });

  it('reads the text only as fast as the records are taken', async () => {
    const line = '1,2.5,3.75,0.001,25.2\n';
    const text = line.repeat(200_000); // 4.4 MB in 1,100 pieces of 4 kB
    const pulled = { count: 0 };
    const records = recordChunks(pieces(text, 4096, pulled), ',');
    const first = await records.next();
    expect(first.value!.length).toBeGreaterThan(0);
    // A consumer busy elsewhere (writing a batch): the parse must not go on reading meanwhile.
    await new Promise((r) => setTimeout(r, 200));
    expect(pulled.count).toBeLessThanOrEqual(3);
    let rows = first.value!.length;
    for await (const chunk of { [Symbol.asyncIterator]: () => records }) rows += chunk.length;
    expect(rows).toBe(200_000);
    expect(pulled.count).toBe(Math.ceil(text.length / 4096));
  });

  it('rejects with the source\'s error, and stops reading when the consumer stops', async () => {
    async function* failing() {
      yield 'a,b\n1,2\n';
      throw new Error('connection reset');
    }
    const taken: string[][] = [];
    await expect((async () => {
      for await (const chunk of recordChunks(failing(), ',')) taken.push(...chunk);
    })()).rejects.toThrow('connection reset');
    expect(taken).toEqual([['a', 'b'], ['1', '2']]);

    const pulled = { count: 0 };
    for await (const chunk of recordChunks(pieces('x,y\n'.repeat(10_000), 100, pulled), ',')) if (chunk.length) break;
    expect(pulled.count).toBeLessThanOrEqual(2);
  });
});
