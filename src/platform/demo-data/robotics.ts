/**
 * Robotics teaching platform demo (Kibotics): exercises, two packs, the main server and a worker
 * host, access codes for two school groups, and a day of simulations students launched.
 */
import type { DemoSeeder, DocumentData } from './seeder';
import { demoRandom, secondsAfter, type DemoRandom } from './random';

const EXERCISE = 'api::robotics.exercise';
const PACK = 'api::robotics.pack';
const HOST = 'api::robotics.host';
const SIMULATION = 'api::robotics.simulation';
const ACCESS_CODE = 'api::robotics.access-code';

const exercise = (
  exercise_id: string,
  name: string,
  platform: string,
  language: string,
  compute_load: number,
  description: string,
  state = 'active',
): DocumentData => ({
  exercise_id,
  name,
  state,
  platform,
  language,
  description,
  topic: platform === 'vision' ? 'Computer vision' : 'Reactive control',
  thumbnail: `/static/exercises/${exercise_id}/thumbnail.png`,
  assets: `/static/exercises/${exercise_id}/assets`,
  gui: `/static/exercises/${exercise_id}/gui.html`,
  ...(platform === 'gazebo' && { referee: `/static/exercises/${exercise_id}/referee.py` }),
  real: false,
  compute_load,
});

const EXERCISES: DocumentData[] = [
  exercise('bump_and_go', 'Bump and go', 'websim', 'javascript', 5, 'Drive forward, back off and turn when the bumper hits an obstacle.'),
  exercise('follow_line', 'Follow line', 'gazebo', 'python', 40, 'Keep a Formula 1 car on the red line of a circuit with its camera.'),
  exercise('vacuum_cleaner', 'Basic vacuum cleaner', 'gazebo', 'python', 35, 'Cover as much of the house floor as possible without a map.'),
  exercise('color_filter', 'Color filter', 'vision', 'python', 10, 'Segment coloured balls in the webcam image with HSV thresholds.'),
  exercise('maze_scratch', 'Maze escape with Scratch', 'websim', 'scratch', 5, 'Reach the exit of a maze using block programming.', 'testing'),
];

const PACKS = [
  { pack_id: 'basic', name: 'Robotics basics', exercises: ['bump_and_go', 'follow_line', 'vacuum_cleaner'] },
  { pack_id: 'vision', name: 'Computer vision', exercises: ['color_filter', 'follow_line'] },
];

const HOSTS: DocumentData[] = [
  {
    host: 'kibotics-main',
    ip: '10.20.0.10',
    main_server: true,
    active: true,
    max_simulations: 20,
    running_simulations: 1,
    priority: 1,
    cpu_limit: 2,
    memory_limit: '4g',
    uc_equivalence: 1,
    compute_load: 40,
    compute_capacity: 800,
  },
  {
    host: 'kibotics-worker-1',
    ip: '10.20.0.11',
    main_server: false,
    active: true,
    max_simulations: 40,
    running_simulations: 0,
    priority: 2,
    cpu_limit: 4,
    memory_limit: '8g',
    uc_equivalence: 2,
    compute_load: 0,
    compute_capacity: 1600,
  },
];

const ACCESS_CODES = [
  { code: 'IES-TURING-1A', group: 'IES Alan Turing 1ºA', packs: ['basic'], observations: 'Autumn term workshop.' },
  { code: 'URJC-VISION-25', group: 'URJC Computer Vision 2025', packs: ['basic', 'vision'] },
];

const SIMULATION_COUNT = 8;
const DAY_START = '2025-01-21T08:30:00.000Z';

function hex(random: DemoRandom, length: number): string {
  return Array.from({ length }, () => random.int(0, 15).toString(16)).join('');
}

export async function seedRobotics(seeder: DemoSeeder): Promise<void> {
  const random = demoRandom(0x80b);
  const exercises = new Map<string, string>();
  for (const row of EXERCISES) {
    exercises.set(row.exercise_id as string, (await seeder.ensure(EXERCISE, ['exercise_id'], row)).documentId);
  }
  const packs = new Map<string, string>();
  for (const pack of PACKS) {
    const data = { ...pack, exercises: pack.exercises.map((id) => exercises.get(id)) };
    packs.set(pack.pack_id, (await seeder.ensure(PACK, ['pack_id'], data)).documentId);
  }
  const hosts = await seeder.ensureAll(HOST, ['host'], HOSTS);
  await seeder.ensureAll(
    ACCESS_CODE,
    ['code'],
    ACCESS_CODES.map((code) => ({ ...code, packs: code.packs.map((id) => packs.get(id)) })),
  );

  // Students launch simulations through the day; the last one is still running on the main server.
  let clock = DAY_START;
  const simulations = Array.from({ length: SIMULATION_COUNT }, (_, index) => {
    clock = secondsAfter(clock, random.int(300, 2400));
    const running = index === SIMULATION_COUNT - 1;
    const host = running ? hosts[0] : random.pick(hosts);
    const spec = random.pick(EXERCISES.filter((e) => e.state === 'active'));
    const containerId = hex(random, 12);
    return {
      username: `alumno${String(random.int(1, 24)).padStart(2, '0')}`,
      started_at: clock,
      ended_at: running ? null : secondsAfter(clock, random.int(600, 3000)),
      simulation_type: spec.platform,
      exercise: exercises.get(spec.exercise_id as string),
      host: host.documentId,
      container_id: containerId,
      client_ip: `193.147.${random.int(60, 79)}.${random.int(2, 254)}`,
      host_ip: host.ip,
      ws_channel: `ws_${containerId.slice(0, 8)}`,
      active: running,
    };
  });
  await seeder.ensureAll(SIMULATION, ['container_id'], simulations);
}
