export type QueryValue = string | number | boolean | null | undefined | string[];
export type QueryParams = Record<string, QueryValue>;

/**
 * Query string for dashboard APIs: empty values are left out and lists become comma lists
 * (`severity=ERROR,FATAL`), the form the logs query service parses.
 */
export function buildQuery(params: QueryParams = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length) search.set(key, value.join(','));
    } else {
      search.set(key, String(value));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export const withQuery = (path: string, params?: QueryParams): string => `${path}${buildQuery(params)}`;
