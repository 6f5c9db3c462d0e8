// Every figure on the page comes from Tally's API with the viewer's key (the page itself is public and holds none).
// The key lives in sessionStorage: this tab only, gone when it closes.

const KEY = 'tally.key';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export const session = {
  get key() { return sessionStorage.getItem(KEY); },
  set key(value) { value ? sessionStorage.setItem(KEY, value) : sessionStorage.removeItem(KEY); },
};

/** Answers of conditional GETs by URL: the ETag sent back as If-None-Match and the body a 304 stands for. */
const cached = new Map();

/** Counters the page shows nowhere but tests and curious people can read: window.tallyStats. */
export const stats = { requests: 0, notModified: 0 };
window.tallyStats = stats;

async function call(method, path, { body, conditional = false } = {}) {
  const headers = { Authorization: `Bearer ${session.key}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const previous = conditional ? cached.get(path) : undefined;
  if (previous) headers['If-None-Match'] = previous.etag;
  stats.requests++;
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store', credentials: 'omit', redirect: 'error',
  });
  const asOf = response.headers.get('Tally-As-Of');
  if (response.status === 304 && previous) {
    stats.notModified++;
    return { data: previous.data, asOf: asOf || previous.asOf, notModified: true };
  }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  const etag = response.headers.get('ETag');
  if (conditional && etag) cached.set(path, { etag, data, asOf });
  return { data, asOf, notModified: false };
}

export const api = {
  get: (path) => call('GET', path).then((r) => r.data),
  /** A GET that revalidates with If-None-Match; resolves to {data, asOf, notModified}. */
  poll: (path) => call('GET', path, { conditional: true }),
  post: (path, body) => call('POST', path, { body }).then((r) => r.data),
  put: (path, body) => call('PUT', path, { body }).then((r) => r.data),
  delete: (path) => call('DELETE', path).then((r) => r.data),
  forget: () => cached.clear(),
};

/** A query string of the defined values. */
export function query(parameters) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, value);
  }
  return search.toString();
}
