// The API client: same origin, the operator's bearer token, JSON in and out, problem+json turned
// into an ApiProblem with a message a person can act on. Typed by the contract (types/client.d.ts).

import { currentToken, signedOut } from './auth.js';

/** The last token the API accepted (a 401 for it means the session ended, not a refused sign-in). */
/** @type {string | null} */
let acceptedToken = null;

/** The request count of this page load (BENCHMARKS.md counts the hub view's). */
export const stats = { requests: 0 };

/** A refused request: the problem document, and the message to show. */
export class ApiProblem extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {Array<{field: string, message: string}>} errors
   */
  constructor(status, code, message, errors) {
    super(message);
    this.status = status;
    this.code = code;
    this.errors = errors;
  }
}

/** What a person reads for each refusal of the contract (the server's detail otherwise). */
/** @type {Record<string, string>} */
const MESSAGES = {
  operator_limit_reached: 'The operator quota is reached: this account cannot have more operators. Delete or disable one, or buy extra operators.',
  last_administrator: 'Refused: this would leave the account without an administrator.',
  last_financial_operator: 'Refused: at least one operator must keep the FinancialOperator permission.',
  last_technical_contact: 'Refused: at least one operator must keep the TechnicalContact permission.',
  system_group_immutable: 'Everyone and Administrators are system groups: they cannot be renamed or deleted, and the members of Everyone cannot be changed.',
  cannot_delete_self: 'You cannot delete yourself.',
  cannot_delete_account_administrator: 'The account administrator cannot be deleted.',
  cannot_disable_self: 'You cannot disable yourself.',
  cannot_disable_account_administrator: 'The account administrator cannot be disabled.',
  permission_not_assignable: 'Administrator comes only from membership of the Administrators group.',
  email_taken: 'Another operator of this account already has this email.',
  group_name_taken: 'Another group already has this name.',
  version_conflict: 'Changed by someone else — reload to see the current version, then make your change again.',
  forbidden: 'Only administrators may do this.',
  not_found: 'Not found: it may have been deleted.',
  service_unavailable: 'The service is busy; try again in a moment.',
  validation_failed: 'Some fields need attention.',
};

/** Conflicts that belong to one field. @type {Record<string, string>} */
const FIELD_OF = { email_taken: 'email', group_name_taken: 'description' };

/**
 * @param {string} method
 * @param {string} path template, e.g. `/operators/{id}`
 * @param {{path?: Record<string, string>, query?: Record<string, unknown>, body?: unknown, ifMatch?: number, idempotencyKey?: string}} [options]
 * @returns {Promise<{data: any, etag: string | null}>}
 */
async function request(method, path, options = {}) {
  const url = path.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(options.path?.[name] ?? ''));
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  }
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  const token = currentToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.ifMatch !== undefined) headers['If-Match'] = `"${options.ifMatch}"`;
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
  stats.requests += 1;
  let response;
  try {
    response = await fetch(query.size ? `${url}?${query}` : url, {
      method: method.toUpperCase(),
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiProblem(0, 'network', 'The hub cannot be reached; check the connection and try again.', []);
  }
  if (response.ok) {
    if (token) acceptedToken = token;
    const data = response.status === 204 ? undefined : await response.json();
    return { data, etag: response.headers.get('ETag') };
  }
  /** @type {{code?: string, detail?: string, errors?: Array<{field: string, message: string}>}} */
  let problem = {};
  try {
    problem = await response.json();
  } catch {
    // Not a problem document (a gateway's own answer): the status tells enough.
  }
  const code = problem.code ?? (response.status === 401 ? 'unauthenticated' : 'error');
  if (response.status === 401) {
    signedOut(token && token === acceptedToken
      ? 'Your session has ended: sign in again.'
      : 'The hub did not accept this sign-in: the operator may be signed in with another account of the identity provider, or no longer exist. An administrator can reset its sign-in.');
  }
  let errors = problem.errors ?? [];
  if (FIELD_OF[code] && errors.length === 0) errors = [{ field: FIELD_OF[code], message: MESSAGES[code] }];
  const message = MESSAGES[code] ?? problem.detail ?? `The request failed (HTTP ${response.status}).`;
  throw new ApiProblem(response.status, code, message, errors);
}

/** @type {import('../types/client').Call} */
export const call = /** @type {any} */ (request);

/** @type {WeakMap<object, {body: string, key: string}>} */
const lastKeys = new WeakMap();

/**
 * The Idempotency-Key of a create from `form`: the same key while the same body is sent again (a
 * retry after a lost answer or a 503 creates nothing twice), a new one for a different body.
 * @param {object} form
 * @param {unknown} body
 */
export function idempotencyKey(form, body) {
  const text = JSON.stringify(body);
  const last = lastKeys.get(form);
  if (last && last.body === text) return last.key;
  const key = crypto.randomUUID();
  lastKeys.set(form, { body: text, key });
  return key;
}

/** After a create from `form` succeeded: the next one is a new create, with a new key. */
/** @param {object} form */
export function forgetIdempotencyKey(form) {
  lastKeys.delete(form);
}
