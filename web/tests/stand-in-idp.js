// A stand-in OpenID Connect identity provider on loopback, for the sign-in test: discovery,
// authorize (signs in the configured person at once), token (authorization code + PKCE S256, the
// code usable once), and the JWKS of its RS256 key. Tokens carry stable `iss`, `aud`, `sub` per
// operator, and the hub's `account_id` / `operator_id` claims.
import { createServer } from 'node:http';
import { createHash, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';

/** @param {Buffer | string} data */
const b64url = (data) => Buffer.from(data).toString('base64url');

/**
 * @param {{clientId: string, apiAudience: string}} options
 */
export async function startStandInIdp({ clientId, apiAudience }) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `stand-in-${randomBytes(4).toString('hex')}`;
  const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] };
  /** @type {Map<string, {challenge: string, redirectUri: string, nonce: string, person: any}>} */
  const codes = new Map();
  const state = {
    issuer: '',
    /** Who "signs in" at the authorize endpoint. @type {{sub: string, accountId: string, operatorId: string, name: string, email: string} | null} */
    person: null,
    /** What happened, for the test to check. */
    authorizeRequests: /** @type {URLSearchParams[]} */ ([]),
    exchanges: /** @type {Array<{ok: boolean, reason?: string}>} */ ([]),
    issued: /** @type {Array<{access_token: string, id_token: string}>} */ ([]),
  };

  /** @param {Record<string, unknown>} claims */
  const sign = (claims) => {
    const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
    const body = b64url(JSON.stringify(claims));
    const signature = createSign('RSA-SHA256').update(`${head}.${body}`).sign(privateKey);
    return `${head}.${body}.${b64url(signature)}`;
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', state.issuer);
    /** @param {number} status @param {unknown} body */
    const json = (status, body) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'content-type, accept', 'Access-Control-Allow-Methods': 'GET, POST' });
      return res.end();
    }
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer: state.issuer,
        authorization_endpoint: `${state.issuer}/authorize`,
        token_endpoint: `${state.issuer}/token`,
        jwks_uri: `${state.issuer}/jwks`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (url.pathname === '/jwks') return json(200, jwks);
    if (url.pathname === '/authorize') {
      const q = url.searchParams;
      state.authorizeRequests.push(q);
      const redirectUri = q.get('redirect_uri') ?? '';
      if (q.get('client_id') !== clientId || q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge') || !state.person) {
        res.writeHead(400, { 'Content-Type': 'text/plain' });
        return res.end('invalid authorization request');
      }
      const code = randomBytes(24).toString('base64url');
      codes.set(code, { challenge: q.get('code_challenge') ?? '', redirectUri, nonce: q.get('nonce') ?? '', person: state.person });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      res.writeHead(302, { Location: back.toString() });
      return res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const form = new URLSearchParams(raw);
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const refuse = (/** @type {string} */ reason) => {
        state.exchanges.push({ ok: false, reason });
        return json(400, { error: 'invalid_grant', error_description: reason });
      };
      if (form.get('grant_type') !== 'authorization_code' || !grant) return refuse('unknown or used code');
      if (form.get('client_id') !== clientId || form.get('redirect_uri') !== grant.redirectUri) return refuse('client or redirect mismatch');
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) return refuse('PKCE verifier does not match');
      const now = Math.floor(Date.now() / 1000);
      const person = grant.person;
      const common = { iss: state.issuer, sub: person.sub, iat: now, exp: now + 600, account_id: person.accountId, operator_id: person.operatorId, email: person.email };
      const tokens = {
        access_token: sign({ ...common, aud: apiAudience, scope: 'openid profile email' }),
        id_token: sign({ ...common, aud: clientId, nonce: grant.nonce, name: person.name, email: person.email }),
      };
      state.issued.push(tokens);
      state.exchanges.push({ ok: true });
      return json(200, { ...tokens, token_type: 'Bearer', expires_in: 600 });
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  state.issuer = `http://127.0.0.1:${address.port}`;
  return {
    state,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve(undefined)); }),
  };
}
