// A real OpenID Connect provider for the authenticate-oidc tests: panva's oidc-provider (OpenID-certified), with
// its development sign-in pages (any login and password). Configured from IDP_CONFIG (JSON):
// {"port": 0, "clients": [{client_id, client_secret, redirect_uris}], "accessTokenTtl": 3600, "pool": "..."}.
// With "pool" it answers as a Cognito-compatible server whose URL is a UserPoolDomain: issuer <origin>/<pool>,
// Cognito's /oauth2/authorize, /oauth2/token and /oauth2/userInfo, discovery and keys under /<pool>/.well-known/.
// Prints "listening <issuer>" once it serves.
import http from 'node:http';
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.IDP_CONFIG || '{}');
const server = http.createServer();
server.listen(config.port || 0, '127.0.0.1', () => {
  const origin = `http://127.0.0.1:${server.address().port}`;
  const pool = config.pool;
  const issuer = pool ? `${origin}/${pool}` : origin;
  const cognito = {
    authorization: '/oauth2/authorize',
    token: '/oauth2/token',
    userinfo: '/oauth2/userInfo',
    jwks: `/${pool}/.well-known/jwks.json`,
  };
  const provider = new Provider(issuer, {
    ...(pool ? { routes: cognito } : {}),
    clients: (config.clients || []).map((c) => ({
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      ...c,
    })),
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    cookies: { keys: ['elbv2-test-idp'] },
    ttl: { AccessToken: config.accessTokenTtl || 3600 },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    pkce: { required: () => false },
    features: { devInteractions: { enabled: true } },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, email: `${sub}@example.test`, email_verified: true, name: `User ${sub}` }),
    }),
  });
  const callback = provider.callback();
  const discovery = `/${pool}/.well-known/openid-configuration`;
  server.on('request', (req, res) => {
    if (pool && req.url === discovery) {
      req.url = '/.well-known/openid-configuration'; // served at the mount point, the pool is in the issuer
    }
    callback(req, res);
  });
  console.log(`listening ${issuer}`);
});
