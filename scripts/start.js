#!/usr/bin/env node
// `npm start`: the built application (`npm run build` writes dist/) without the Strapi CLI. `strapi
// start` loads every CLI command's modules first and keeps them, ~80 MB of a ~270 MB instance; this is
// what its start command does after that (Strapi's documented programmatic start, e.g. for PM2).
const fs = require('fs');
const path = require('path');
const { createStrapi } = require('@strapi/strapi');

const appDir = path.resolve(__dirname, '..');
const distDir = path.join(appDir, 'dist');
if (!fs.existsSync(path.join(distDir, 'src', 'index.js'))) {
  console.error(`${distDir} holds no build: run \`npm run build\` first`);
  process.exit(1);
}

/**
 * A full collection, twice, once the server is up. Booting leaves ~55 MB of garbage in a ~190 MB heap
 * (modules, schemas, routes being built), and an idle server allocates too little for V8 to ever
 * collect it: ~265 MB of RSS idle instead of ~215. The second pass compacts what the first freed.
 */
function collectBootGarbage() {
  const { collectGarbage } = require(path.join(distDir, 'src', 'platform', 'collect-garbage.js'));
  collectGarbage();
  collectGarbage();
}

/** The address actually bound: with PORT=0 (e.g. tests) the kernel picks the port. */
function logAddress(strapi) {
  const bound = strapi.server.httpServer.address();
  if (typeof bound === 'string') return console.log(`Tallyboard listening on ${bound}`); // server.socket
  const { address, port } = bound;
  const host = address.includes(':') ? `[${address}]` : address;
  console.log(`Tallyboard listening on http://${host}:${port}`);
}

createStrapi({ appDir, distDir })
  .start()
  .then((strapi) => {
    logAddress(strapi);
    collectBootGarbage();
  });
