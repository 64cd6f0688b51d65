/**
 * Simulated cyclers for the battery lab (model in scripts/cycler-simulator.ts).
 *
 *   npm run cycler:simulate -- --stations 4 --hz 10 [--speedup 60] [--noise 0.002] [--batch 1]
 *     [--drop 0] [--duplicate 0] [--reorder 0] [--url mqtt://127.0.0.1:1883] [--prefix tallyboard]
 *     [--names sim-1,sim-2] [--api http://localhost:1337 --token <API token>]
 *
 * Stations are named sim-1..sim-N (or --names) and must exist as cycler stations; with --api and a
 * full-access API token the missing ones are created through the REST API. Prints one progress line
 * per second; Ctrl-C stops.
 */
import { CyclerSimulator } from './cycler-simulator';

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) continue;
    const [key, inline] = arg.slice(2).split('=', 2);
    out[key] = inline ?? (argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true');
  }
  return out;
}

function number(args: Record<string, string>, name: string, fallback: number): number {
  if (args[name] === undefined) return fallback;
  const value = Number(args[name]);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`--${name} must be a non-negative number, got "${args[name]}"`);
    process.exit(2);
  }
  return value;
}

async function ensureStations(api: string, token: string, names: string[]) {
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  for (const name of names) {
    const found = await fetch(`${api}/api/cycler-stations?filters[name][$eq]=${encodeURIComponent(name)}`, { headers });
    if (!found.ok) throw new Error(`GET /api/cycler-stations: ${found.status} ${await found.text()}`);
    if ((await found.json()).data.length) continue;
    const created = await fetch(`${api}/api/cycler-stations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ data: { name, location: 'simulator', state: 'offline', min_voltage_v: 0, max_voltage_v: 60, min_current_a: -20, max_current_a: 20 } }),
    });
    if (!created.ok) throw new Error(`POST /api/cycler-stations: ${created.status} ${await created.text()}`);
    console.log(`created station ${name}`);
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const count = number(args, 'stations', 4);
  const names = args.names ? args.names.split(',').map((s) => s.trim()).filter(Boolean) : Array.from({ length: count }, (_, i) => `sim-${i + 1}`);
  const url = args.url ?? process.env.MQTT_URL ?? `mqtt://127.0.0.1:${process.env.MQTT_EMBEDDED_PORT ?? 1883}`;
  if (args.api) {
    if (!args.token) throw new Error('--api needs --token (a full-access API token)');
    await ensureStations(args.api, args.token, names);
  }
  const simulator = new CyclerSimulator({
    url,
    stations: names,
    topicPrefix: args.prefix ?? process.env.MQTT_TOPIC_PREFIX ?? 'tallyboard',
    hz: number(args, 'hz', 10),
    speedup: number(args, 'speedup', 1),
    noise: number(args, 'noise', 0.002),
    samplesPerMessage: Math.max(1, Math.floor(number(args, 'batch', 1))),
    dropRate: number(args, 'drop', 0),
    duplicateRate: number(args, 'duplicate', 0),
    reorderRate: number(args, 'reorder', 0),
    username: process.env.MQTT_USERNAME,
    password: process.env.MQTT_PASSWORD,
    log: (line) => process.stdout.write(`\n${line}\n`),
  });
  await simulator.start();
  console.log(`${names.length} simulated stations on ${url}: waiting for start commands`);
  const progress = setInterval(() => {
    const parts = simulator.stations.map((s) => `${s.name}: ${s.run ? `exp ${s.run.experiment} step ${s.run.step + 1}/${s.run.steps.length} ${s.run.sent} sent` : 'idle'}`);
    process.stdout.write(`\r${parts.join(' | ')}   `);
  }, 1000);
  const stop = async () => {
    clearInterval(progress);
    await simulator.stop();
    process.stdout.write('\n');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error?.message ?? error);
  process.exit(1);
});
