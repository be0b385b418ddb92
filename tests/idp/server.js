// A real OpenID Connect provider for the authenticate-oidc tests: panva's oidc-provider (OpenID-certified), with
// its development sign-in pages (any login and password). Configured from IDP_CONFIG (JSON):
// {"port": 0, "clients": [{client_id, client_secret, redirect_uris}], "accessTokenTtl": 3600}.
// Prints "listening <issuer>" once it serves.
import http from 'node:http';
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.IDP_CONFIG || '{}');
const server = http.createServer();
server.listen(config.port || 0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
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
  server.on('request', provider.callback());
  console.log(`listening ${issuer}`);
});
