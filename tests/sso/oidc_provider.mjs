// A real, certified OpenID provider (node-oidc-provider) for the SSO tests, on 127.0.0.1 only.
// Usage: node oidc_provider.mjs CONFIG.json   — prints "READY <issuer>" once it listens.
// CONFIG: { port, clients: [...], jwks: {keys: [private JWKs]}, accounts: {login: {claims}} }
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// The package is installed by scripts/oidc-provider.sh into a cache folder named by OIDC_PROVIDER_HOME.
const home = process.env.OIDC_PROVIDER_HOME;
const pkg = JSON.parse(fs.readFileSync(path.join(home, 'node_modules/oidc-provider/package.json'), 'utf8'));
const entry = path.join(home, 'node_modules/oidc-provider', pkg.exports?.['.']?.import || pkg.exports?.['.'] || pkg.main);
const { default: Provider } = await import(pathToFileURL(entry).href);

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;
const accounts = config.accounts;

const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: config.jwks,
  cookies: { keys: ['test-cookie-key-not-secret'] },
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups', 'department'] },
  scopes: ['openid', 'email', 'profile', 'groups', 'offline_access'],
  conformIdTokenClaims: false,
  // registration: the browser tests register a client for their live server's port at run time.
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true }, registration: { enabled: true } },
  async findAccount(ctx, id) {
    const entry = accounts[id];
    if (!entry) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...entry }; } };
  },
  ttl: { IdToken: config.id_token_ttl || 3600 },
});
provider.proxy = false;
const server = provider.listen(config.port, '127.0.0.1', () => { console.log(`READY ${issuer}`); });
process.on('SIGTERM', () => server.close(() => process.exit(0)));
