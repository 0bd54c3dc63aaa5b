// node-oidc-provider configured for the work bench/run.py --compare-node measures
// on our IdP: RS256 ID tokens and RS256 JWT access tokens, the refresh grant with
// rotation, introspection and userinfo with a bearer token, one confidential
// client (client_secret_basic). In memory (the stock adapter), one process.
//
// Run by bench/nodepeer.py, never by hand in production:
//   PEER_MODULES=<cache folder with node_modules> PEER_PORT=<port>
//   PEER_CLIENT_SECRET=<secret> node bench/peer/server.mjs
//
// Sign-in and consent are answered by the script itself (the documented
// interactionDetails / interactionFinished API): a browser following redirects
// from /auth reaches the redirect URI with a code, as with a signed-in person
// who already consented on our side. The flows that mint the benchmark's
// tokens are driven from Python (bench/nodepeer.py), through the real
// authorization and token endpoints.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const modules = process.env.PEER_MODULES;
const port = Number(process.env.PEER_PORT);
const secret = process.env.PEER_CLIENT_SECRET;
if (!modules || !port || !secret) {
  console.error('bench peer: PEER_MODULES, PEER_PORT and PEER_CLIENT_SECRET are required');
  process.exit(2);
}
// The package lives in the cache folder, not next to this file: resolve it from there.
const entry = createRequire(join(modules, 'package.json')).resolve('oidc-provider');
const { default: Provider } = await import(pathToFileURL(entry).href);

const ISSUER = `http://127.0.0.1:${port}`;
const API = 'https://api.bench.example'; // the resource server of the JWT access tokens
const ACCOUNT = 'bench-person';
const CLAIMS = {
  sub: ACCOUNT,
  name: 'Bench Person',
  given_name: 'Bench',
  family_name: 'Person',
  email: 'bench0@bench.example',
  email_verified: true,
};

// One RS256 signing key, generated at start (as our bench makes a fresh keystore).
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-rs256', alg: 'RS256', use: 'sig' };

const configuration = {
  clients: [{
    client_id: 'bench',
    client_secret: secret,
    token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: ['http://127.0.0.1:9/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [jwk] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'given_name', 'family_name'],
    email: ['email', 'email_verified'],
  },
  findAccount: async (ctx, sub) => (sub === ACCOUNT
    ? { accountId: ACCOUNT, claims: async () => CLAIMS }
    : undefined),
  rotateRefreshToken: true, // every use rotates, as ours does
  features: {
    devInteractions: { enabled: false }, // answered below instead
    introspection: { enabled: true },
    userinfo: { enabled: true },
    revocation: { enabled: true },
    // RFC 8707: a token for API is an RFC 9068 JWT signed RS256, like ours.
    // Without a `resource` the access token is the opaque userinfo token: the
    // peer serves userinfo only with those, and introspects only those.
    resourceIndicators: {
      enabled: true,
      defaultResource: () => undefined,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => {
        if (resource !== API) throw new Error(`unknown resource ${resource}`);
        return {
          scope: 'api:read',
          audience: API,
          accessTokenTTL: 900, // our access_token_lifetime
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  ttl: { AccessToken: 900, IdToken: 3600, RefreshToken: 2592000 }, // as conf/default.toml
};

const provider = new Provider(ISSUER, configuration);

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  let result;
  if (prompt.name === 'login') {
    result = { login: { accountId: ACCOUNT } };
  } else {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    result = { consent: { grantId: await grant.save() } };
  }
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

const app = provider.callback();
createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => {
      res.statusCode = 500;
      res.end(String(err));
    });
    return;
  }
  app(req, res);
}).listen(port, '127.0.0.1', () => console.error(`bench peer: listening on ${ISSUER}`));
