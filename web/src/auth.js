// Signing in. The token lives in this tab's sessionStorage (gone when the tab closes); the page
// sends it to the API as `Authorization: Bearer`. Locally the server offers a development sign-in
// (any operator of any local account); deployed, OpenID Connect authorization code with PKCE.

/**
 * @typedef {{signIn: 'development'} | {signIn: 'oidc', issuer: string, clientId: string, scope: string, token: 'access_token' | 'id_token'} | {signIn: 'none'}} HubConfig
 * @typedef {{token: string, accountId: string, operatorId: string, name: string, expiresAt: number}} Session
 */

const SESSION_KEY = 'hub.session';
const PKCE_KEY = 'hub.pkce';

/** @returns {HubConfig} */
export function config() {
  const el = document.getElementById('hub-config');
  try {
    return el?.textContent ? JSON.parse(el.textContent) : { signIn: 'none' };
  } catch {
    return { signIn: 'none' };
  }
}

/** @returns {Session | null} */
export function session() {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    /** @type {Session | null} */
    const s = raw ? JSON.parse(raw) : null;
    if (s && s.expiresAt * 1000 > Date.now()) return s;
  } catch {
    // Unreadable: signed out.
  }
  sessionStorage.removeItem(SESSION_KEY);
  return null;
}

export function currentToken() {
  return session()?.token ?? null;
}

/** @type {string | null} */
let signOutReason = null;
/** Why the operator was signed out (shown once on the sign-in view). */
export function takeSignOutReason() {
  const reason = signOutReason;
  signOutReason = null;
  return reason;
}

/** @param {string} [reason] */
export function signedOut(reason) {
  sessionStorage.removeItem(SESSION_KEY);
  signOutReason = reason ?? null;
  window.dispatchEvent(new Event('hub:signed-out'));
}

/**
 * The claims of a JWT (not verified here: the API verifies every request).
 * @param {string} token
 * @returns {Record<string, unknown>}
 */
export function claims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(decodeURIComponent(escape(atob(part))));
  } catch {
    return {};
  }
}

/**
 * Keeps a token as this tab's session.
 * @param {string} token
 * @param {string} [name] who signed in, for the header
 */
export function startSession(token, name) {
  const c = claims(token);
  /** @type {Session} */
  const s = {
    token,
    accountId: String(c.account_id ?? ''),
    operatorId: String(c.operator_id ?? ''),
    name: name ?? String(c.name ?? c.email ?? c.preferred_username ?? ''),
    expiresAt: typeof c.exp === 'number' ? c.exp : Math.floor(Date.now() / 1000) + 3600,
  };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
  return s;
}

// ---- Development sign-in (hub-local only)

/**
 * @typedef {{accountId: string, name: string, accountType: string, operators: Array<{operatorId: string, fullName: string, email: string, isAdministrator: boolean}>}} DevAccount
 * @returns {Promise<{accounts: DevAccount[], defaultAccountId: string | null, defaultOperatorId: string | null}>}
 */
export async function developmentAccounts() {
  const response = await fetch('/dev/sign-in', { headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (!response.ok) throw new Error('The development sign-in is not available.');
  return response.json();
}

/**
 * @param {string} accountId
 * @param {string} operatorId
 * @param {string} name
 */
export async function developmentSignIn(accountId, operatorId, name) {
  const response = await fetch('/dev/sign-in', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ accountId, operatorId }),
  });
  if (!response.ok) throw new Error('The development sign-in refused this operator.');
  const { token } = await response.json();
  return startSession(token, name);
}

// ---- OpenID Connect, authorization code with PKCE (RFC 7636)

/** @param {Uint8Array} bytes */
function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** @param {string} issuer */
async function discovery(issuer) {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error('The identity provider cannot be reached.');
  /** @type {{authorization_endpoint: string, token_endpoint: string}} */
  const doc = await response.json();
  return doc;
}

/** The page's own address, the redirect URI registered with the identity provider. */
function redirectUri() {
  return `${location.origin}/`;
}

/**
 * Sends the browser to the identity provider.
 * @param {{issuer: string, clientId: string, scope: string}} oidc
 */
export async function beginOidcSignIn(oidc) {
  const { authorization_endpoint: authorize } = await discovery(oidc.issuer);
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const nonce = base64url(crypto.getRandomValues(new Uint8Array(16)));
  // Only what the redirect back needs, in this tab; removed as soon as it is used.
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, nonce, hash: location.hash }));
  const url = new URL(authorize);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: oidc.clientId,
    redirect_uri: redirectUri(),
    scope: oidc.scope,
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

/**
 * Finishes a sign-in when the identity provider sent the browser back with `?code=&state=`:
 * exchanges the code (with the PKCE verifier) for tokens and keeps the configured one. Removes the
 * code from the address bar and the history entry either way.
 * @param {{issuer: string, clientId: string, token: 'access_token' | 'id_token'}} oidc
 * @returns {Promise<Session | null>} null when this load is not a redirect back
 */
export async function completeOidcSignIn(oidc) {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return null;
  const saved = sessionStorage.getItem(PKCE_KEY);
  sessionStorage.removeItem(PKCE_KEY);
  /** @type {{verifier: string, state: string, nonce: string, hash: string} | null} */
  const pkce = saved ? JSON.parse(saved) : null;
  history.replaceState(null, '', `/${pkce?.hash ?? ''}`);
  if (params.has('error')) throw new Error(`The identity provider refused the sign-in (${params.get('error')}).`);
  if (!pkce || params.get('state') !== pkce.state) throw new Error('The sign-in answer does not match this tab’s request; sign in again.');
  const { token_endpoint: tokenEndpoint } = await discovery(oidc.issuer);
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code') ?? '',
      redirect_uri: redirectUri(),
      client_id: oidc.clientId,
      code_verifier: pkce.verifier,
    }),
  });
  if (!response.ok) throw new Error('The identity provider did not accept the sign-in; sign in again.');
  /** @type {{access_token?: string, id_token?: string}} */
  const tokens = await response.json();
  const token = tokens[oidc.token];
  if (!token) throw new Error(`The identity provider sent no ${oidc.token}.`);
  if (tokens.id_token && claims(tokens.id_token).nonce !== pkce.nonce) throw new Error('The sign-in answer is not for this request; sign in again.');
  const idClaims = tokens.id_token ? claims(tokens.id_token) : {};
  const name = String(idClaims.name ?? idClaims.email ?? '');
  return startSession(token, name || undefined);
}
