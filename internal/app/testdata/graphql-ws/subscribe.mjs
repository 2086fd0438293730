// A subscriber for the live-updates tests: the graphql-ws client (over the
// ws package, as a Node program would use it) subscribes to one document
// and writes what happens as JSON lines on stdout, for the Go test to read.
//
// Environment: ZHDJ_WS_URL (ws://host/graphql), ZHDJ_WS_TOKEN (access
// token, sent in connection_init), ZHDJ_WS_ORIGIN (the Origin header the
// upgrade carries, as a browser page's would), ZHDJ_WS_QUERY and
// ZHDJ_WS_VARIABLES (JSON). It runs until stdin closes or the connection
// ends for good.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const origin = process.env.ZHDJ_WS_ORIGIN;

class OriginSocket extends WebSocket {
  constructor(url, protocols) {
    super(url, protocols, origin ? { origin } : {});
    // The upgrade answered with plain HTTP: nothing else can follow.
    this.on('unexpected-response', (req, res) => {
      say({ event: 'refused', status: res.statusCode });
      process.exit(0);
    });
  }
}

const client = createClient({
  url: process.env.ZHDJ_WS_URL,
  webSocketImpl: OriginSocket,
  connectionParams: () => (process.env.ZHDJ_WS_TOKEN ? { authorization: 'Bearer ' + process.env.ZHDJ_WS_TOKEN } : {}),
  retryAttempts: 0,
  keepAlive: 0,
  on: {
    connected: () => say({ event: 'connected' }),
    message: (m) => say({ event: 'message', type: m.type }),
    ping: (received) => received && say({ event: 'ping' }),
    closed: (e) => say({ event: 'closed', code: e && e.code, reason: e && e.reason }),
  },
});

client.subscribe(
  { query: process.env.ZHDJ_WS_QUERY, variables: JSON.parse(process.env.ZHDJ_WS_VARIABLES || '{}') },
  {
    next: (r) => say({ event: 'next', data: r.data, errors: r.errors }),
    error: (e) => {
      say({ event: 'error', error: Array.isArray(e) ? e : String(e && (e.reason || e.message || e.code) || e) });
      process.exit(0);
    },
    complete: () => { say({ event: 'complete' }); process.exit(0); },
  },
);

process.stdin.on('end', () => { client.dispose(); process.exit(0); });
process.stdin.resume();
