import fs from 'fs';
import path from 'path';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM } from './services';
import { root } from './strapi';

export const ARTIFACTS = path.join(root, 'tests', 'artifacts');

/** Debian's Chromium, headless, with the flags this offline machine needs (no background networking). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

export function artifact(name: string): string {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}
