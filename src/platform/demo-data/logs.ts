/**
 * Centralised logging demo: the three simulated services of the original project (pagos, pedidos,
 * chat) and a morning of their log entries with mixed severities.
 */
import type { DemoSeeder } from './seeder';
import { demoRandom, secondsAfter, type DemoRandom } from './random';

const SERVICE = 'api::logs.log-service';
const ENTRY = 'api::logs.log-entry';

const ENTRY_COUNT = 60;
const FIRST_ENTRY_AT = '2025-02-03T09:00:00.000Z';

type Severity = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';
/** How often each severity occurs, as the original simulators weighted their messages. */
const SEVERITY_WEIGHTS: Record<Severity, number> = { DEBUG: 15, INFO: 50, WARN: 18, ERROR: 12, FATAL: 5 };
const SEVERITIES = Object.keys(SEVERITY_WEIGHTS) as Severity[];

interface ServiceSpec {
  name: string;
  description: string;
  hosts: string[];
  messages: Record<Severity, string[]>;
  attributes(random: DemoRandom): Record<string, unknown>;
}

const SERVICES: ServiceSpec[] = [
  {
    name: 'pagos',
    description: 'Servicio de pagos: cobros con tarjeta, reembolsos y webhooks de la pasarela.',
    hosts: ['pagos-1', 'pagos-2'],
    messages: {
      DEBUG: ['Validando firma del webhook de la pasarela'],
      INFO: ['Pago aprobado', 'Reembolso procesado', 'Pago iniciado por el cliente'],
      WARN: ['Reintento de cobro con la pasarela', 'Pago pendiente de confirmación 3-D Secure'],
      ERROR: ['Tarjeta rechazada por el banco emisor', 'Timeout al contactar con la pasarela'],
      FATAL: ['Pasarela de pagos no disponible'],
    },
    attributes: (random) => ({ payment_id: `pay_${random.int(10000, 99999)}`, amount_eur: random.int(5, 250) }),
  },
  {
    name: 'pedidos',
    description: 'Servicio de pedidos: alta, reserva de stock y envío.',
    hosts: ['pedidos-1'],
    messages: {
      DEBUG: ['Recalculando gastos de envío'],
      INFO: ['Pedido creado', 'Pedido enviado', 'Pedido entregado'],
      WARN: ['Stock bajo para el producto', 'Dirección de envío sin código postal'],
      ERROR: ['No se pudo reservar stock', 'Error al generar la etiqueta de envío'],
      FATAL: ['Base de datos de pedidos inaccesible'],
    },
    attributes: (random) => ({ order_id: `PED-${random.int(1000, 9999)}`, items: random.int(1, 6) }),
  },
  {
    name: 'chat',
    description: 'Chat de atención al cliente.',
    hosts: ['chat-1', 'chat-2'],
    messages: {
      DEBUG: ['Heartbeat del websocket'],
      INFO: ['Nueva conversación iniciada', 'Agente asignado a la conversación', 'Conversación cerrada'],
      WARN: ['Tiempo de espera superior a 2 minutos'],
      ERROR: ['Mensaje no entregado al cliente'],
      FATAL: ['Servidor de websockets caído'],
    },
    attributes: (random) => ({ conversation_id: `conv-${random.int(100, 999)}`, agent: random.pick(['ana', 'luis', 'marta']) }),
  },
];

function planEntries() {
  const random = demoRandom(0x1065);
  let clock = FIRST_ENTRY_AT;
  return Array.from({ length: ENTRY_COUNT }, () => {
    clock = secondsAfter(clock, random.int(20, 150));
    const service = random.pick(SERVICES);
    const severity = SEVERITIES[random.weighted(SEVERITIES.map((s) => SEVERITY_WEIGHTS[s]))];
    return {
      service_name: service.name,
      timestamp: clock,
      received_at: secondsAfter(clock, random.between(0.05, 1.5)),
      severity,
      message: random.pick(service.messages[severity]),
      attributes: service.attributes(random),
      host: random.pick(service.hosts),
    };
  });
}

export async function seedLogs(seeder: DemoSeeder): Promise<void> {
  for (const { name, description } of SERVICES) {
    const data = { name, description, active: true, retention_days: 30 };
    // No token: staff issue one with "Create token" on the service (docs/ingest.md); it is shown once.
    await seeder.ensure(SERVICE, ['name'], data);
  }
  await seeder.ensureAll(ENTRY, ['service_name', 'timestamp'], planEntries());
}
