// A real OpenID Connect provider (oidc-provider) on 127.0.0.1 for geo_era's single sign-on
// tests. Everything it holds is FICTIONAL: the accounts, their groups and the clients.
//
// Configured by the environment (the test suite starts it):
//   OIDC_PORT      the port on 127.0.0.1; the issuer is http://127.0.0.1:<port>
//   OIDC_PASSWORD  the password of every FICTIONAL account (the tests make a random one)
//   OIDC_CLIENTS   a JSON array of client registrations (client_id, client_secret,
//                  redirect_uris, ...), each with two optional fields of this server's own:
//                  id_token_ttl (seconds an ID token lives, default 300) and
//                  token_delay_ms (how long the token endpoint waits after issuing the
//                  tokens before it answers that client: a slow network or provider)
//
// Sign-in is this server's own small login and consent interaction (an HTML form at
// /interaction/<uid> with a username and password, then a consent form), driven by the
// tests over HTTP and in Chromium. Nothing but 127.0.0.1 is listened on.
import { createServer } from 'node:http';
import { generateKeyPairSync, timingSafeEqual, randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const password = process.env.OIDC_PASSWORD ?? '';
if (!Number.isInteger(port) || port <= 0 || password.length < 12) {
  console.error('set OIDC_PORT and OIDC_PASSWORD (12+ characters)');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

// FICTIONAL accounts: login name -> subject identifier and groups.
const ACCOUNTS = {
  'alice': { sub: 'FICTIONAL-7f3a91', name: 'Alice Example (FICTIONAL)',
             groups: ['FICTIONAL-OMU-Analysts'] },
  'bob': { sub: 'FICTIONAL-2c8d40', name: 'Bob Example (FICTIONAL)',
           groups: ['FICTIONAL-Glen-Housing-Link-Officers', 'FICTIONAL-All-Staff'] },
  'carol': { sub: 'FICTIONAL-9e1b77', name: 'Carol Example (FICTIONAL)',
             groups: ['FICTIONAL-Bowling-Club', 'FICTIONAL-All-Staff'] },
  'dave': { sub: 'FICTIONAL-45aa02', name: 'Dave Example (FICTIONAL)',
            groups: ['FICTIONAL-OMU-Analysts', 'FICTIONAL-Glen-Housing-Link-Officers'] },
  'erin': { sub: 'FICTIONAL-b0c3d5', name: 'Erin Example (FICTIONAL)',
            groups: ['FICTIONAL-OMU-Analysts'] },
};
const BY_SUB = Object.fromEntries(Object.entries(ACCOUNTS).map(([login, a]) => [a.sub,
  { ...a, login }]));

const registrations = JSON.parse(process.env.OIDC_CLIENTS ?? '[]');
const ttl = {};
const delay = {};
const clients = registrations.map(({ id_token_ttl: t, token_delay_ms: d, ...client }) => {
  ttl[client.client_id] = t ?? 300;
  delay[client.client_id] = d ?? 0;
  return { grant_types: ['authorization_code'], response_types: ['code'],
           token_endpoint_auth_method: 'client_secret_basic', ...client };
});

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'fictional-test-key', use: 'sig',
              alg: 'RS256' };

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [jwk] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  findAccount: (ctx, id) => {
    const account = BY_SUB[id];
    if (!account) return undefined;
    return {
      accountId: id,
      claims: () => ({ sub: id, name: account.name, preferred_username: account.login,
                       groups: account.groups }),
    };
  },
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'], groups: ['groups'] },
  scopes: ['openid', 'profile', 'groups'],
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  pkce: { required: () => true },
  ttl: {
    IdToken: (ctx, token, client) => ttl[client.clientId] ?? 300,
    AccessToken: 300,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  renderError: (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('Error', `<h1>Sign-in failed</h1><p>${escape(out.error)}</p>`);
  },
});

// The token endpoint answers some clients late (after the tokens were issued).
provider.use(async (ctx, next) => {
  await next();
  const wait = ctx.path === '/token' ? delay[ctx.oidc?.client?.clientId] : 0;
  if (wait) await new Promise((done) => { setTimeout(done, wait); });
});

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}`
    + ` — FICTIONAL identity provider</title></head><body>${body}</body></html>`;
}

function send(res, status, html) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(html);
}

async function form(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 10_000) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function loginForm(uid, message) {
  return page('Sign in', `<h1>FICTIONAL organisation: sign in</h1>`
    + (message ? `<p role="alert">${escape(message)}</p>` : '')
    + `<form method="post" action="/interaction/${uid}/login">`
    + '<label for="username">Username</label><input id="username" name="username" autofocus>'
    + '<label for="password">Password</label>'
    + '<input id="password" name="password" type="password">'
    + '<button type="submit">Sign in</button></form>');
}

function consentForm(uid, clientId) {
  return page('Allow', `<h1>Allow ${escape(clientId)} to know who you are and your groups?</h1>`
    + `<form method="post" action="/interaction/${uid}/confirm">`
    + '<button type="submit">Allow</button></form>'
    + `<form method="post" action="/interaction/${uid}/abort">`
    + '<button type="submit">Deny</button></form>');
}

function samePassword(given) {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(password, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, page('Error', '<p>wrong interaction</p>'));
  const { prompt, params, session, grantId } = details;
  if (req.method === 'GET' && !action) {
    return send(res, 200, prompt.name === 'login' ? loginForm(uid)
      : consentForm(uid, params.client_id));
  }
  if (req.method !== 'POST') return send(res, 405, page('Error', '<p>method</p>'));
  if (action === 'abort') {
    return provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'the user denied the request' },
    { mergeWithLastSubmission: false });
  }
  if (action === 'login' && prompt.name === 'login') {
    const body = await form(req);
    const account = ACCOUNTS[body.get('username') ?? ''];
    if (!account || !samePassword(body.get('password') ?? '')) {
      return send(res, 401, loginForm(uid, 'Wrong username or password.'));
    }
    return provider.interactionFinished(req, res, { login: { accountId: account.sub } },
      { mergeWithLastSubmission: false });
  }
  if (action === 'confirm' && prompt.name === 'consent') {
    const grant = grantId ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) {
      grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    }
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    return provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } },
      { mergeWithLastSubmission: true });
  }
  return send(res, 400, page('Error', '<p>unexpected step</p>'));
}

const handle = provider.callback();
const server = createServer(async (req, res) => {
  const found = /^\/interaction\/([\w-]+)(?:\/(login|confirm|abort))?$/.exec(
    new URL(req.url, issuer).pathname);
  if (!found) return handle(req, res);
  try {
    return await interaction(req, res, found[1], found[2]);
  } catch (error) {
    return send(res, 400, page('Error', `<p>${escape(error.name)}</p>`));
  }
});
server.listen(port, '127.0.0.1', () => {
  console.log(`FICTIONAL OpenID Connect provider at ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => { server.close(); process.exit(0); });
}
