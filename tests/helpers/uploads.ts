/**
 * Strapi's body parser (formidable) writes multipart uploads to the OS temp directory under random
 * names; the routes must remove them. A probe for the files of one upload, found by a marker inside.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';

/** A unique marker to put in an uploaded file, and a check that returns the temp files still holding it (after a short settle: removal is asynchronous). */
export function uploadMarker(): { marker: string; leftInTemp(): Promise<string[]> } {
  const marker = `temp-marker-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return {
    marker,
    async leftInTemp() {
      await new Promise((resolve) => setTimeout(resolve, 200));
      return fs.readdirSync(os.tmpdir()).filter((name) => {
        try {
          const file = path.join(os.tmpdir(), name);
          return fs.statSync(file).isFile() && fs.statSync(file).size < 1_000_000 && fs.readFileSync(file).includes(marker);
        } catch {
          return false;
        }
      });
    },
  };
}
