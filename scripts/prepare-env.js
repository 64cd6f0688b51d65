#!/usr/bin/env node
// Creates .env with random secrets on the first run, so `npm run develop` needs no manual editing.
// Never in production: there secrets must come from the deployment (config refuses to boot without).
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const file = path.resolve(__dirname, '..', '.env');
const uploads = path.resolve(__dirname, '..', 'public', 'uploads');
fs.mkdirSync(uploads, { recursive: true }); // Strapi's upload provider refuses to start without it.

if (process.env.NODE_ENV === 'production' || fs.existsSync(file)) process.exit(0);

const rnd = () => crypto.randomBytes(16).toString('base64');
const lines = [
  '# Created by scripts/prepare-env.js with random secrets. Keep it out of version control.',
  'HOST=0.0.0.0',
  'PORT=1337',
  `APP_KEYS=${[rnd(), rnd(), rnd(), rnd()].join(',')}`,
  `API_TOKEN_SALT=${rnd()}`,
  `ADMIN_JWT_SECRET=${rnd()}`,
  `TRANSFER_TOKEN_SALT=${rnd()}`,
  `JWT_SECRET=${rnd()}`,
  `ENCRYPTION_KEY=${rnd()}`,
  'STRAPI_TELEMETRY_DISABLED=true',
  '',
];
fs.writeFileSync(file, lines.join('\n'), { mode: 0o600 });
console.log('Created .env with random secrets.');
