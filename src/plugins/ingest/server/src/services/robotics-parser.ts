/**
 * Parser of the Kibotics (robotics-teaching platform) web server logs, both formats (docs/robotics.md):
 *
 * - v1, one growing `log.txt`: `New Simulation ==> dd/mm/YYYY HH:MM:SS: <user> <client_ip> <type>
 *   <exercise> <host_ip> <container>`, `End Simulation ==> ...` with the same fields, `Error ==> 500 ...`;
 * - v2, one file a day (`YYYY-MM-DD-log.txt`), ` | `-separated: `1` login, `2` logout (date, user, ip,
 *   user agent), `3` start, `4` end (date, user, ip, type, exercise, host ip, container, user agent),
 *   `5 | 500 Internal Server Error`.
 *
 * Pure (no Strapi): bytes in, events and malformed lines out. Every event carries a line key that
 * identifies it by content and position, so importing a file twice, or files that overlap, stores
 * each event once.
 */
import { DateTime } from 'luxon';
import iconv from 'iconv-lite';

export type SimulationEventKind = 'start' | 'end';
export type SessionEventKind = 'login' | 'logout';

interface EventBase {
  /** Epoch milliseconds (UTC). */
  at: number;
  /** 1-based line number in its file. */
  line: number;
  key: string;
  format: 'v1' | 'v2';
  /** Index of the file in the import (for reports). */
  file: number;
}

export interface SimulationEvent extends EventBase {
  kind: SimulationEventKind;
  username: string;
  anonymous: boolean;
  clientIp: string;
  simulationType: string;
  exerciseId: string;
  hostIp: string;
  /** A real container id, or null for an empty field or a placeholder such as `[NO CONTAINER] Browser`. */
  container: string | null;
  containerPlaceholder: string | null;
  userAgent: string | null;
}

export interface SessionEvent extends EventBase {
  kind: SessionEventKind;
  username: string;
  anonymous: boolean;
  clientIp: string;
  userAgent: string;
}

export interface ErrorEvent extends EventBase {
  kind: 'error';
  code: number;
  message: string;
  /** Error lines carry no time: they take the time of the dated line before (or after) them. */
  timeFrom: 'previous-line' | 'next-line' | 'file-name';
}

export type RoboticsEvent = SimulationEvent | SessionEvent | ErrorEvent;

export interface MalformedLine {
  line: number;
  reason: string;
  /** The line as read (at most 500 characters). */
  text: string;
}

export interface ParsedLogFile {
  fileName: string;
  format: 'v1' | 'v2' | 'mixed' | 'unknown';
  events: RoboticsEvent[];
  malformed: MalformedLine[];
  totalLines: number;
  blankLines: number;
  /** Lines that were not valid UTF-8 and were read as Windows-1252 instead. */
  reencodedLines: number;
}

export interface ParseOptions {
  /** IANA zone of the server's local time the logs are written in. */
  timeZone: string;
  /** User names the platform writes for users who are not logged in. */
  anonymousNames: string[];
  /** Container fields that are not container ids (browser simulations). */
  containerPlaceholder: RegExp;
}

export const DEFAULT_PARSE_OPTIONS: ParseOptions = {
  timeZone: 'Europe/Madrid',
  anonymousNames: ['AnonymousUser', 'anonymous', 'Anonymous'],
  containerPlaceholder: /^\[[^\]]*\]/,
};

const V1_SIMULATION = /^(New|End) Simulation ==> (\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2}): ?(.*)$/;
const V1_ERROR = /^Error ==> (\d{3})\b ?(.*)$/;
const V2_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2})$/;
const V2_KIND = /^(\d+) \| /;
const V2_FILE_DATE = /(\d{4})-(\d{2})-(\d{2})-log\.txt$/;
const MAX_TEXT = 500;

/**
 * Local wall-clock time → epoch ms. The zone's offset is looked up once per local hour (luxon), not
 * per line: a million lines span a few thousand hours, and luxon costs microseconds a call.
 */
export function createLocalClock(timeZone: string) {
  if (!DateTime.local().setZone(timeZone).isValid) throw new Error(`Unknown time zone "${timeZone}"`);
  const offsets = new Map<number, number>();
  return (year: number, month: number, day: number, hour: number, minute: number, second: number): number | null => {
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
    const wall = Date.UTC(year, month - 1, day, hour, minute, second);
    const check = new Date(wall);
    if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return null; // 31/02
    const hourKey = Math.floor(wall / 3_600_000);
    let offset = offsets.get(hourKey);
    if (offset === undefined) {
      const local = DateTime.fromObject({ year, month, day, hour }, { zone: timeZone });
      offset = local.offset * 60_000;
      offsets.set(hourKey, offset);
    }
    return wall - offset;
  };
}

/** Character codes of the base-32 digits. */
const BASE32 = Array.from('0123456789abcdefghijklmnopqrstuv', (c) => c.charCodeAt(0));
const keyCodes = new Array<number>(21);
/** 7 base-32 digits of an unsigned 32-bit integer into keyCodes at `at` (no string per digit). */
function base32(n: number, at: number): void {
  for (let i = 6; i >= 0; i--) {
    keyCodes[at + i] = BASE32[n & 31];
    n >>>= 5;
  }
}

/** Running halves of the line hash (module state: no closure or array per line). */
let h1 = 0;
let h2 = 0;
function feed(part: string): void {
  for (let i = 0; i < part.length; i++) {
    const ch = part.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
}

/**
 * The key of a line: its second (so keys sort by time and append to their index) and a 64-bit hash
 * (the two 32-bit halves of cyrb53, not cryptographic) of what identifies it — its text, the dated line
 * it follows (for undated error lines) and how many identical lines precede it (directly for dated
 * lines, since the last dated line for error lines: three errors after one simulation start are three
 * events). Position is relative to content, not a line number, so a file that starts where another
 * ended, or repeats part of it, gives the same keys for the same lines.
 */
export function lineKey(at: number, text: string, context: string, run: number): string {
  // The hash of `${context}\n${text}\n${run}`, fed part by part (no string built per line).
  h1 = 0xdeadbeef;
  h2 = 0x41c6ce57;
  feed(context);
  feed('\n');
  feed(text);
  feed('\n');
  feed(String(run));
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const seconds = Math.max(0, Math.floor(at / 1000));
  base32(seconds >>> 0, 0);
  base32(h1 >>> 0, 7);
  base32(h2 >>> 0, 14);
  return String.fromCharCode.apply(null, keyCodes);
}

/** Splits bytes into lines, decoding UTF-8 and falling back to Windows-1252 line by line. */
function decodeLines(buffer: Buffer): { lines: string[]; reencoded: number } {
  let start = buffer.length >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  const strict = new TextDecoder('utf-8', { fatal: true });
  try {
    return { lines: strict.decode(buffer.subarray(start)).split('\n'), reencoded: 0 };
  } catch {
    // Some bytes are not UTF-8 (e.g. a Latin-1 name): decode line by line, so only those lines change.
  }
  const lines: string[] = [];
  let reencoded = 0;
  while (start <= buffer.length) {
    let end = buffer.indexOf(0x0a, start);
    if (end < 0) end = buffer.length;
    const bytes = buffer.subarray(start, end);
    try {
      lines.push(strict.decode(bytes));
    } catch {
      lines.push(iconv.decode(bytes, 'win1252'));
      reencoded++;
    }
    start = end + 1;
  }
  return { lines, reencoded };
}

const clip = (text: string) => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text);

const isDigit = (c: number) => c >= 48 && c <= 57;
const V1_START = 'New Simulation ==> ';
const V1_END = 'End Simulation ==> ';

/**
 * Epoch ms of the minute of a zero-padded `dd/mm/YYYY HH:MM` (16 characters), cached: a log's lines
 * share few minutes, so the date arithmetic and the zone lookup run once per minute, not per line.
 */
function createMinuteCache(clock: ReturnType<typeof createLocalClock>) {
  const minutes = new Map<string, number | null>();
  return (minute: string): number | null => {
    let at = minutes.get(minute);
    if (at === undefined) {
      const d = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2})$/.exec(minute);
      at = d ? clock(+d[3], +d[2], +d[1], +d[4], +d[5], 0) : null;
      if (minutes.size > 100_000) minutes.clear();
      minutes.set(minute, at);
    }
    return at;
  };
}

export function parseRoboticsLog(buffer: Buffer, fileName: string, fileIndex = 0, options: ParseOptions = DEFAULT_PARSE_OPTIONS): ParsedLogFile {
  const clock = createLocalClock(options.timeZone);
  const minuteOf = createMinuteCache(clock);
  const anonymous = new Set(options.anonymousNames);
  const { lines, reencoded } = decodeLines(buffer);
  // A final newline is not a line of its own.
  if (lines.length && lines[lines.length - 1] === '') lines.pop();

  const fileDateMatch = V2_FILE_DATE.exec(fileName);
  const fileDate = fileDateMatch ? clock(+fileDateMatch[1], +fileDateMatch[2], +fileDateMatch[3], 0, 0, 0) : null;

  const events: RoboticsEvent[] = [];
  const malformed: MalformedLine[] = [];
  let blank = 0;
  let v1 = 0;
  let v2 = 0;
  let lastDated: { text: string; at: number } | null = null;
  let previousText = '';
  let run = 0;
  // Undated (error) lines: how many identical ones since the last dated line.
  const sinceDated = new Map<string, number>();
  // Error lines seen before the first dated line: they take that line's time.
  const waitingErrors: ErrorEvent[] = [];

  const bad = (line: number, reason: string, text: string) => malformed.push({ line, reason, text: clip(text) });

  const simulation = (
    kind: SimulationEventKind, format: 'v1' | 'v2', at: number, line: number, text: string,
    fields: { username: string; clientIp: string; simulationType: string; exerciseId: string; hostIp: string; container: string; userAgent: string | null },
  ): SimulationEvent | string => {
    if (!fields.username) return 'user is empty';
    if (!fields.exerciseId) return 'exercise is empty';
    if (!fields.hostIp) return 'host ip is empty';
    const container = fields.container.trim();
    const placeholder = container === '' || options.containerPlaceholder.test(container);
    return {
      kind, format, at, line, file: fileIndex, key: '',
      username: fields.username,
      anonymous: anonymous.has(fields.username),
      clientIp: fields.clientIp,
      simulationType: fields.simulationType,
      exerciseId: fields.exerciseId,
      hostIp: fields.hostIp,
      container: placeholder ? null : container,
      containerPlaceholder: placeholder && container !== '' ? container : null,
      userAgent: fields.userAgent,
    };
  };

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let text = lines[i];
    if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
    // Only a line that starts with white space can be blank (trim() copies every line otherwise).
    if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) {
      blank++;
      continue;
    }
    if (text.includes('\u0000')) {
      bad(lineNo, 'line contains NUL bytes', text.replace(/\u0000/g, '\\0'));
      continue;
    }
    run = text === previousText ? run + 1 : 0;
    previousText = text;

    let event: RoboticsEvent | string | null = null;
    let m: RegExpExecArray | null;
    const start = text.startsWith(V1_START);
    // Fast path for the usual v1 line, zero-padded `dd/mm/YYYY HH:MM:SS: ` at a fixed place: no
    // regular expression, the minute from the cache; anything else goes through V1_SIMULATION below.
    if (
      (start || text.startsWith(V1_END)) &&
      text.charCodeAt(38) === 58 /* : */ && text.charCodeAt(39) === 32 && text.charCodeAt(35) === 58 &&
      isDigit(text.charCodeAt(36)) && isDigit(text.charCodeAt(37)) && +text.slice(36, 38) < 60
    ) {
      const minute = minuteOf(text.slice(19, 35));
      if (minute !== null) {
        v1++;
        const at = minute + (text.charCodeAt(36) - 48) * 10_000 + (text.charCodeAt(37) - 48) * 1000;
        // Five single-word fields, then the container (which may be empty or hold spaces).
        const s1 = text.indexOf(' ', 40);
        const s2 = s1 < 0 ? -1 : text.indexOf(' ', s1 + 1);
        const s3 = s2 < 0 ? -1 : text.indexOf(' ', s2 + 1);
        const s4 = s3 < 0 ? -1 : text.indexOf(' ', s3 + 1);
        if (s4 < 0) event = `expected user, client ip, simulation type, exercise, host ip and container; found ${text.slice(40).split(' ').length} fields`;
        else {
          const s5 = text.indexOf(' ', s4 + 1);
          event = simulation(start ? 'start' : 'end', 'v1', at, lineNo, text, {
            username: text.slice(40, s1), clientIp: text.slice(s1 + 1, s2), simulationType: text.slice(s2 + 1, s3), exerciseId: text.slice(s3 + 1, s4),
            hostIp: s5 < 0 ? text.slice(s4 + 1) : text.slice(s4 + 1, s5), container: s5 < 0 ? '' : text.slice(s5 + 1), userAgent: null,
          });
        }
      }
    }
    if (event !== null) {
      // parsed by the fast path
    } else if ((m = V1_SIMULATION.exec(text))) {
      const at = clock(+m[4], +m[3], +m[2], +m[5], +m[6], +m[7]);
      if (at === null) event = `invalid date ${m[2]}/${m[3]}/${m[4]} ${m[5]}:${m[6]}:${m[7]}`;
      else {
        // Five single-word fields, then the container (which may be empty or hold spaces).
        const parts = m[8].split(' ');
        if (parts.length < 5) event = `expected user, client ip, simulation type, exercise, host ip and container; found ${parts.length} fields`;
        else {
          event = simulation(m[1] === 'New' ? 'start' : 'end', 'v1', at, lineNo, text, {
            username: parts[0], clientIp: parts[1], simulationType: parts[2], exerciseId: parts[3], hostIp: parts[4],
            container: parts.slice(5).join(' '), userAgent: null,
          });
        }
        v1++;
      }
    } else if ((m = V1_ERROR.exec(text))) {
      event = { kind: 'error', format: 'v1', at: 0, line: lineNo, file: fileIndex, key: '', code: +m[1], message: `${m[1]} ${m[2]}`.trim(), timeFrom: 'previous-line' };
      v1++;
    } else if ((m = V2_KIND.exec(text))) {
      const fields = text.split(' | ');
      const kind = fields[0];
      v2++;
      if (kind === '5') {
        const message = fields.slice(1).join(' | ').trim();
        const code = /^(\d{3})\b/.exec(message);
        event = code
          ? { kind: 'error', format: 'v2', at: 0, line: lineNo, file: fileIndex, key: '', code: +code[1], message, timeFrom: 'previous-line' }
          : 'error line without a status code (expected "5 | 500 Internal Server Error")';
      } else if (kind === '1' || kind === '2' || kind === '3' || kind === '4') {
        const minimum = kind === '1' || kind === '2' ? 5 : 9;
        const d = V2_DATE.exec(fields[1] ?? '');
        const at = d ? clock(+d[3], +d[2], +d[1], +d[4], +d[5], +d[6]) : null;
        if (fields.length < minimum) event = `line kind ${kind} needs ${minimum} fields separated by " | "; found ${fields.length}`;
        else if (!d) event = `invalid date "${clip(fields[1])}" (expected dd/mm/YYYY HH:MM:SS)`;
        else if (at === null) event = `invalid date "${fields[1]}"`;
        else if (kind === '1' || kind === '2') {
          const username = fields[2].trim();
          event = username
            ? {
                kind: kind === '1' ? 'login' : 'logout', format: 'v2', at, line: lineNo, file: fileIndex, key: '',
                username, anonymous: anonymous.has(username), clientIp: fields[3].trim(),
                // A user agent holding " | " would have been split: join the rest back.
                userAgent: fields.slice(4).join(' | ').trim(),
              }
            : 'user is empty';
        } else {
          event = simulation(kind === '3' ? 'start' : 'end', 'v2', at, lineNo, text, {
            username: fields[2].trim(), clientIp: fields[3].trim(), simulationType: fields[4].trim(), exerciseId: fields[5].trim(),
            hostIp: fields[6].trim(), container: fields[7], userAgent: fields.slice(8).join(' | ').trim() || null,
          });
        }
      } else event = `unknown line kind ${kind} (expected 1 login, 2 logout, 3 new simulation, 4 end of simulation, 5 error)`;
    } else event = 'not a line of either log format';

    if (typeof event === 'string') {
      bad(lineNo, event, text);
      continue;
    }
    if (event.kind === 'error') {
      const seen = sinceDated.get(text) ?? 0;
      sinceDated.set(text, seen + 1);
      if (lastDated) {
        event.at = lastDated.at;
        event.key = lineKey(event.at, text, lastDated.text, seen);
      } else waitingErrors.push(event);
      (event as ErrorEvent & { text?: string }).text = text;
    } else {
      event.key = lineKey(event.at, text, '', run);
      if (waitingErrors.length) {
        for (const error of waitingErrors) {
          error.at = event.at;
          error.timeFrom = 'next-line';
          error.key = lineKey(event.at, (error as ErrorEvent & { text?: string }).text!, `before:${text}`, error.line);
        }
        waitingErrors.length = 0;
      }
      lastDated = { text, at: event.at };
      sinceDated.clear();
    }
    events.push(event);
  }

  // Error lines in a file without any dated line: only the file's name can date them.
  for (const error of waitingErrors) {
    if (fileDate === null) {
      events.splice(events.indexOf(error), 1);
      bad(error.line, 'error line in a file without any dated line or date in its name: cannot place it in time', (error as ErrorEvent & { text?: string }).text!);
    } else {
      error.at = fileDate;
      error.timeFrom = 'file-name';
      error.key = lineKey(fileDate, (error as ErrorEvent & { text?: string }).text!, `file:${fileDateMatch![0]}`, error.line);
    }
  }
  for (const e of events) delete (e as ErrorEvent & { text?: string }).text;
  malformed.sort((a, b) => a.line - b.line);

  return {
    fileName,
    format: v1 && v2 ? 'mixed' : v1 ? 'v1' : v2 ? 'v2' : 'unknown',
    events,
    malformed,
    totalLines: lines.length,
    blankLines: blank,
    reencodedLines: reencoded,
  };
}
