import * as React from 'react';
import { useFetchClient } from '@strapi/strapi/admin';

const filenameFrom = (headers: Headers | undefined, fallback: string): string => {
  const disposition = headers?.get('content-disposition') ?? '';
  return /filename="?([^";]+)"?/i.exec(disposition)?.[1] ?? fallback;
};

/** Saves a Blob through a temporary link: the browser's own download, with the server's file name. */
export function saveBlob(blob: Blob, filename: string): void {
  const href = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = href;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

/**
 * `downloadCsv(url)` fetches an export endpoint with the admin's session (a plain link would carry no
 * token) and saves it under the name from Content-Disposition.
 */
export function useCsvDownload(): { downloadCsv: (url: string, fallbackName?: string) => Promise<void>; isDownloading: boolean } {
  const { get } = useFetchClient();
  const [isDownloading, setDownloading] = React.useState(false);
  const downloadCsv = React.useCallback(
    async (url: string, fallbackName = 'export.csv') => {
      setDownloading(true);
      try {
        const res = await get(url, { responseType: 'blob' });
        saveBlob(res.data, filenameFrom(res.headers, fallbackName));
      } finally {
        setDownloading(false);
      }
    },
    [get],
  );
  return { downloadCsv, isDownloading };
}
