/**
 * A multipart POST whose answer is NDJSON progress (the admin import routes: Classroom students,
 * Battery file import). XMLHttpRequest rather than fetch: it reports upload progress, and its
 * responseText grows as lines arrive. Sent with the admin's token, as the fetch client would.
 */

/** A refused request: the HTTP status and the server's `error` object when it sent JSON. */
export class UploadError extends Error {
  constructor(message: string, readonly status: number, readonly error?: any) {
    super(message);
  }
}

export interface NdjsonHandlers {
  /** Bytes of the request sent so far; `total` is 0 when the browser cannot tell. */
  onUpload?: (loaded: number, total: number) => void;
  /** Each parsed line of a 200 answer, in order, as it arrives. */
  onLine: (line: any) => void;
}

/** Resolves once a 200 answer has ended (every line handed to onLine); rejects with an UploadError otherwise. */
export function postNdjson(url: string, form: FormData, token: string | null, { onUpload, onLine }: NdjsonHandlers): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    let seen = 0;
    const readLines = () => {
      if (xhr.status !== 200) return;
      const text = xhr.responseText;
      const end = text.lastIndexOf('\n');
      if (end < seen) return;
      for (const raw of text.slice(seen, end).split('\n')) if (raw.trim()) onLine(JSON.parse(raw));
      seen = end + 1;
    };
    if (onUpload) xhr.upload.onprogress = (e) => onUpload(e.loaded, e.lengthComputable ? e.total : 0);
    xhr.onprogress = readLines;
    xhr.onload = () => {
      if (xhr.status !== 200) {
        let error: any;
        try {
          error = JSON.parse(xhr.responseText)?.error;
        } catch {
          // not JSON: the status says it
        }
        return reject(new UploadError(error?.message ?? `import failed with status ${xhr.status}`, xhr.status, error));
      }
      readLines();
      resolve();
    };
    xhr.onerror = () => reject(new UploadError('network error', 0));
    xhr.send(form);
  });
}
