// One GraphQL subscription through graphql-ws, the graphql-transport-ws reference client,
// as any Node program would use it (tests/acme/test_standard_clients.py drives it).
//
//   node subscribe.mjs URL TOKEN QUERY [VARIABLES_JSON]
//
// Prints each `next` payload as one JSON line on stdout. Exits 0 when the server completes
// the operation, or once a payload's status equals $UNTIL_STATUS (if set); on an error it
// prints the close code and reason (or the GraphQL errors) on stderr and exits 1.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, token, query, variables = '{}'] = process.argv.slice(2);
const until = process.env.UNTIL_STATUS;

const client = createClient({
  url,
  webSocketImpl: WebSocket, // Node 20 has no global WebSocket
  connectionParams: { Authorization: `Bearer ${token}` },
  retryAttempts: 0, // a closed socket is an error to report, not one to hide
});

function finish(code) {
  client.dispose();
  process.exit(code);
}

function reached(payload) {
  const root = payload.data && Object.values(payload.data)[0];
  return until !== undefined && root != null && root.status === until;
}

client.subscribe({ query, variables: JSON.parse(variables) }, {
  next(payload) {
    process.stdout.write(JSON.stringify(payload) + '\n');
    if (reached(payload)) finish(0);
  },
  error(err) {
    if (err && typeof err.code === 'number') {
      process.stderr.write(`closed ${err.code}: ${err.reason}\n`);
    } else {
      process.stderr.write(`error: ${err instanceof Error ? err.message : JSON.stringify(err)}\n`);
    }
    finish(1);
  },
  complete() {
    finish(0);
  },
});
