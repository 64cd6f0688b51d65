/**
 * Reproduces the seed project's three simulated services (pagos, pedidos, chat): each picks log lines
 * at random by weight and posts them through the real endpoint in small batches with random delays.
 *
 *   npm run logs:simulate -- --services pagos,pedidos,chat --rate 200 [--url http://localhost:1337]
 *     [--duration 60] [--token pagos=tbl_...,chat=tbl_...]
 *
 * Tokens: `--token name=token,...`, or env LOGS_TOKEN_<NAME> (e.g. LOGS_TOKEN_PAGOS), or one Strapi
 * API token with the ingest permission in LOGS_API_TOKEN (it then names the service per record).
 */
import os from 'os';
import { parseArgs, postWithRetry } from './logs-cli';

type Line = { severity: string; message: string; weight: number; attributes?: () => Record<string, unknown> };

const amount = () => Math.round(Math.random() * 50_000) / 100;
const id = () => Math.floor(Math.random() * 1e6);

/** Messages and weights after the seed's servicio_de_pagos.py, pedidos.py and chat_atencion.py. */
const CATALOGUE: Record<string, Line[]> = {
  pagos: [
    { severity: 'INFO', message: 'Pago procesado correctamente', weight: 60, attributes: () => ({ amount: amount(), order: id() }) },
    { severity: 'INFO', message: 'Reembolso emitido', weight: 8, attributes: () => ({ amount: amount() }) },
    { severity: 'WARN', message: 'Reintento de cobro con la pasarela', weight: 15 },
    { severity: 'ERROR', message: 'Tarjeta rechazada por el banco', weight: 12, attributes: () => ({ code: 'card_declined' }) },
    { severity: 'FATAL', message: 'Pasarela de pagos no responde', weight: 2 },
    { severity: 'DEBUG', message: 'Firma de la transacción verificada', weight: 3 },
  ],
  pedidos: [
    { severity: 'INFO', message: 'Pedido creado', weight: 50, attributes: () => ({ order: id(), items: 1 + Math.floor(Math.random() * 5) }) },
    { severity: 'INFO', message: 'Pedido enviado', weight: 25, attributes: () => ({ order: id() }) },
    { severity: 'WARN', message: 'Stock bajo para un producto', weight: 12, attributes: () => ({ sku: `SKU-${id()}` }) },
    { severity: 'ERROR', message: 'No se pudo reservar el stock', weight: 10 },
    { severity: 'DEBUG', message: 'Cálculo de gastos de envío', weight: 3 },
  ],
  chat: [
    { severity: 'INFO', message: 'Conversación iniciada', weight: 45, attributes: () => ({ session: id() }) },
    { severity: 'INFO', message: 'Agente asignado', weight: 25 },
    { severity: 'WARN', message: 'Tiempo de espera superior a 2 minutos', weight: 18 },
    { severity: 'ERROR', message: 'Mensaje no entregado al cliente', weight: 10 },
    { severity: 'DEBUG', message: 'Ping de websocket', weight: 2 },
  ],
};

function pickWeighted(lines: Line[]): Line {
  const total = lines.reduce((n, l) => n + l.weight, 0);
  let r = Math.random() * total;
  for (const line of lines) if ((r -= line.weight) < 0) return line;
  return lines[lines.length - 1];
}

async function main() {
  const { flags } = parseArgs(process.argv.slice(2));
  const services = (flags.services ?? 'pagos,pedidos,chat').split(',').map((s) => s.trim()).filter(Boolean);
  const rate = Number(flags.rate ?? 200); // lines per second, all services together
  const duration = Number(flags.duration ?? 0); // seconds; 0 = until Ctrl-C
  const url = `${(flags.url ?? process.env.TALLYBOARD_URL ?? 'http://localhost:1337').replace(/\/$/, '')}/api/ingest/logs`;
  const given = Object.fromEntries((flags.token ?? '').split(',').filter(Boolean).map((pair) => pair.split('=', 2) as [string, string]));
  const apiToken = process.env.LOGS_API_TOKEN;

  const tokens: Record<string, string> = {};
  for (const name of services) {
    const token = given[name] ?? process.env[`LOGS_TOKEN_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] ?? apiToken;
    if (!token) throw new Error(`No token for service "${name}": pass --token ${name}=<token> or set LOGS_TOKEN_${name.toUpperCase()} (or LOGS_API_TOKEN)`);
    tokens[name] = token;
  }
  for (const name of services) if (!CATALOGUE[name]) CATALOGUE[name] = CATALOGUE.pagos;

  const stats = { sent: 0, stored: 0, rejected: 0, retries: 0 };
  const stopAt = duration > 0 ? Date.now() + duration * 1000 : Infinity;
  let stopping = false;
  process.on('SIGINT', () => (stopping = true));
  const perService = rate / services.length;
  const host = os.hostname();

  const runService = async (name: string) => {
    while (!stopping && Date.now() < stopAt) {
      // Random batch and delay around the target rate, like the seed's random iterations and sleeps.
      const batch = Math.max(1, Math.round(perService * (0.05 + Math.random() * 0.45)));
      const lines = Array.from({ length: batch }, () => {
        const line = pickWeighted(CATALOGUE[name]);
        return JSON.stringify({ timestamp: new Date().toISOString(), severity: line.severity, message: line.message, host, service: name, attributes: line.attributes?.() });
      });
      const started = Date.now();
      const result = await postWithRetry(url, tokens[name], lines.join('\n'), () => stats.retries++);
      stats.sent += batch;
      stats.stored += result.body?.stored ?? 0;
      stats.rejected += result.body?.rejected?.length ?? 0;
      if (result.status === 401) throw new Error(`service "${name}": token refused (401)`);
      const wait = (batch / perService) * 1000 - (Date.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  };

  const started = Date.now();
  const progress = setInterval(() => {
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`\r[simulate] ${stats.stored} stored, ${stats.rejected} rejected, ${stats.retries} retries, ${(stats.stored / seconds).toFixed(0)} lines/s   `);
  }, 1000);
  try {
    await Promise.all(services.map(runService));
  } finally {
    clearInterval(progress);
    process.stderr.write(`\n[simulate] done: ${JSON.stringify(stats)}\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`\n[simulate] ${error.message}\n`);
  process.exit(1);
});
