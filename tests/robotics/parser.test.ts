import fs from 'fs';
import path from 'path';
import { lineKey, parseRoboticsLog, type SessionEvent, type SimulationEvent, type ErrorEvent } from '../../src/plugins/ingest/server/src/services/robotics-parser';

/** The log parser alone (no Strapi): every line kind and every oddity of both formats. */
const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'robotics', name));
const utc = (iso: string) => new Date(iso).getTime();

describe('robotics log parser', () => {
  it('reads zero-padded v1 lines (fast path) exactly like unpadded ones (regular expression), across a DST change', () => {
    const opts = { timeZone: 'Europe/Madrid', anonymousNames: ['AnonymousUser'], containerPlaceholder: /^\[/ };
    const padded = [
      'New Simulation ==> 31/03/2019 01:59:59: ann 10.0.0.1 simulator follow_line 212.128.255.74 c1',
      'End Simulation ==> 31/03/2019 03:00:00: ann 10.0.0.1 simulator follow_line 212.128.255.74 c1',
      'New Simulation ==> 05/01/2019 07:08:09: bo 10.0.0.2 websim maze 212.128.255.73 [NO CONTAINER] Browser',
      'New Simulation ==> 05/01/2019 07:08:09: bo 10.0.0.2 websim maze 212.128.255.73',
      'New Simulation ==> 05/01/2019 07:08:60: bo 10.0.0.2 websim maze 212.128.255.73 c2',
      'New Simulation ==> 05/01/2019 07:08:09: bo 10.0.0.2 websim maze',
    ];
    const unpadded = padded.map((l) => l.replace(/==> 0?(\d+)\/0?(\d+)\/(\d{4}) 0?(\d+):/, '==> $1/$2/$3 $4:'));
    expect(unpadded[2]).toContain('==> 5/1/2019 7:08:09:');
    const a = parseRoboticsLog(Buffer.from(padded.join('\n')), 'log.txt', 0, opts);
    const b = parseRoboticsLog(Buffer.from(unpadded.join('\n')), 'log.txt', 0, opts);
    const strip = (p: typeof a) => ({ events: p.events.map(({ key: _key, ...e }) => e), malformed: p.malformed.map((m) => [m.line, m.reason.replace(/\d+/g, '#')]) });
    expect(strip(a)).toEqual(strip(b));
    expect(a.events.map((e) => e.at)).toEqual([utc('2019-03-31T00:59:59Z'), utc('2019-03-31T01:00:00Z'), utc('2019-01-05T06:08:09Z'), utc('2019-01-05T06:08:09Z')]);
    expect((a.events[3] as SimulationEvent)).toMatchObject({ hostIp: '212.128.255.73', container: null, containerPlaceholder: null });
    expect(a.malformed.map((m) => m.reason)).toEqual(['invalid date 05/01/2019 07:08:60', 'expected user, client ip, simulation type, exercise, host ip and container; found 4 fields']);
  });

  it('reads v1: starts, ends, errors, placeholder container, anonymous user, CRLF, blank, non-UTF-8, malformed', () => {
    const parsed = parseRoboticsLog(fixture('v1-log.txt'), 'v1-log.txt');
    expect(parsed.format).toBe('v1');
    expect(parsed.totalLines).toBe(13);
    expect(parsed.blankLines).toBe(1);
    expect(parsed.reencodedLines).toBe(1);
    expect(parsed.malformed.map((m) => [m.line, m.reason])).toEqual([
      [9, 'not a line of either log format'],
      [10, 'invalid date 31/02/2019 10:00:00'],
    ]);
    const kinds = parsed.events.map((e) => `${e.line}:${e.kind}`);
    expect(kinds).toEqual(['1:start', '2:start', '3:error', '4:end', '6:end', '7:end', '8:start', '11:start', '12:error', '13:error']);
    const [alice, bob] = parsed.events as SimulationEvent[];
    // 09:00 in Madrid in October (CEST, UTC+2).
    expect(alice.at).toBe(utc('2019-10-01T07:00:00Z'));
    expect(alice).toMatchObject({ username: 'alice', clientIp: '10.0.0.1', simulationType: 'simulator', exerciseId: 'follow_line', hostIp: '212.128.255.74', container: 'c0ffee01', containerPlaceholder: null });
    expect(bob).toMatchObject({ container: null, containerPlaceholder: '[NO CONTAINER] Browser' });
    const anonymous = parsed.events.find((e) => e.line === 8) as SimulationEvent;
    expect(anonymous).toMatchObject({ username: 'AnonymousUser', anonymous: true });
    expect((parsed.events.find((e) => e.line === 11) as SimulationEvent).username).toBe('muñoz');
    const errors = parsed.events.filter((e) => e.kind === 'error') as ErrorEvent[];
    expect(errors.map((e) => [e.code, e.at, e.timeFrom])).toEqual([
      [500, utc('2019-10-01T07:01:00Z'), 'previous-line'],
      [500, utc('2019-10-01T08:05:00Z'), 'previous-line'],
      [500, utc('2019-10-01T08:05:00Z'), 'previous-line'],
    ]);
    // Two identical error lines after the same dated line are two events.
    expect(new Set(parsed.events.map((e) => e.key)).size).toBe(parsed.events.length);
  });

  it('reads v2: logins, logouts, starts, ends, errors; unknown kinds, bad dates and short lines are malformed', () => {
    const parsed = parseRoboticsLog(fixture('2019-10-20-log.txt'), '2019-10-20-log.txt');
    expect(parsed.format).toBe('v2');
    expect(parsed.totalLines).toBe(16);
    expect(parsed.blankLines).toBe(1);
    expect(parsed.malformed.map((m) => m.line)).toEqual([14, 15, 16]);
    expect(parsed.malformed[0].reason).toMatch(/unknown line kind 6/);
    expect(parsed.malformed[1].reason).toMatch(/invalid date "2019-10-20 10:30"/);
    expect(parsed.malformed[2].reason).toMatch(/needs 5 fields/);
    const count = (kind: string) => parsed.events.filter((e) => e.kind === kind).length;
    expect([count('login'), count('logout'), count('start'), count('end'), count('error')]).toEqual([3, 2, 3, 3, 1]);
    const login = parsed.events[1] as SessionEvent;
    expect(login).toMatchObject({ kind: 'login', username: 'alice', clientIp: '10.0.0.1' });
    expect(login.userAgent).toMatch(/Chrome\/77/);
    // No CR left on the last field.
    expect(login.userAgent.endsWith('\r')).toBe(false);
    const dave = parsed.events.find((e) => e.kind === 'start' && (e as SimulationEvent).username === 'dave') as SimulationEvent;
    expect(dave).toMatchObject({ container: null, containerPlaceholder: null, simulationType: 'real', exerciseId: 'mbot_dummy' });
  });

  it('gives the same keys to the same lines in overlapping files and different keys to different lines', () => {
    const whole = fixture('v1-log.txt');
    const tail = Buffer.from(whole.toString('latin1').split('\n').slice(5).join('\n'), 'latin1');
    const a = parseRoboticsLog(whole, 'log.txt');
    const b = parseRoboticsLog(tail, 'log-copy.txt');
    const keysA = new Set(a.events.map((e) => e.key));
    // Every dated line of the tail, and the errors after a dated line it contains, match the whole file's keys.
    expect(b.events.every((e) => keysA.has(e.key))).toBe(true);
    expect(lineKey(0, 'x', '', 0)).not.toBe(lineKey(0, 'x', '', 1));
    expect(lineKey(0, 'x', 'a', 0)).not.toBe(lineKey(0, 'x', 'b', 0));
  });

  it('dates error lines before any dated line by the next line, or by the file name', () => {
    const early = parseRoboticsLog(Buffer.from('5 | 500 Internal Server Error\n1 | 20/10/2019 09:00:00 | a | 1.1.1.1 | UA\n'), 'x.txt');
    expect((early.events[0] as ErrorEvent).timeFrom).toBe('next-line');
    expect(early.events[0].at).toBe(utc('2019-10-20T07:00:00Z'));
    const onlyErrors = parseRoboticsLog(Buffer.from('5 | 500 Internal Server Error\n'), '2019-12-01-log.txt');
    expect(onlyErrors.events[0]).toMatchObject({ kind: 'error', timeFrom: 'file-name', at: utc('2019-11-30T23:00:00Z') });
    const undatable = parseRoboticsLog(Buffer.from('Error ==> 500 Internal Server Error\n'), 'log.txt');
    expect(undatable.events).toHaveLength(0);
    expect(undatable.malformed[0].reason).toMatch(/cannot place it in time/);
  });

  it('uses the configured time zone and rejects an unknown one', () => {
    const line = Buffer.from('1 | 20/01/2020 09:00:00 | a | 1.1.1.1 | UA\n');
    expect(parseRoboticsLog(line, 'f', 0, { timeZone: 'UTC', anonymousNames: [], containerPlaceholder: /^\[/ }).events[0].at).toBe(utc('2020-01-20T09:00:00Z'));
    expect(parseRoboticsLog(line, 'f').events[0].at).toBe(utc('2020-01-20T08:00:00Z'));
    expect(() => parseRoboticsLog(line, 'f', 0, { timeZone: 'Mars/Olympus', anonymousNames: [], containerPlaceholder: /^\[/ })).toThrow(/Unknown time zone/);
  });

  it('reads the shared real logs with every line accounted for', () => {
    const dir = path.resolve(__dirname, '..', '..', '..', 'shared', 'fixtures', 'kibotics');
    if (!fs.existsSync(dir)) return console.warn(`skipped: ${dir} is absent`);
    for (const name of fs.readdirSync(dir)) {
      const text = fs.readFileSync(path.join(dir, name), 'utf8');
      const lines = text.split('\n').filter((l) => l.trim() !== '');
      const parsed = parseRoboticsLog(fs.readFileSync(path.join(dir, name)), name);
      expect([name, parsed.events.length + parsed.malformed.length]).toEqual([name, lines.length]);
      const byKind = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).length;
      const count = (kind: string) => parsed.events.filter((e) => e.kind === kind).length;
      expect([name, count('login'), count('logout'), count('start'), count('end'), count('error')]).toEqual([name, byKind('1 | '), byKind('2 | '), byKind('3 | '), byKind('4 | '), byKind('5 | ')]);
    }
  });
});
