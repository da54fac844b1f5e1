// The dashboard's only door into casp: the public GraphQL API at /graphql (queries and
// mutations over HTTP, the certificateEvents subscription over graphql-transport-ws).
import { createClient, type Client } from 'graphql-ws';
import { onSessionChange, signIn, signOut, token } from './session';

export interface GraphQLErrorBody {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; fields?: Record<string, string>; [key: string]: unknown };
}

/** A failed operation: casp's code (UNAUTHORIZED, VALIDATION_ERROR, NOT_FOUND,
 * RATE_LIMIT_EXCEEDED, SERVER_ERROR, or NETWORK when casp could not be reached). */
export class ApiError extends Error {
  constructor(message: string, readonly code: string,
              readonly fields: Record<string, string> = {},
              readonly retryAfter: number | null = null) {
    super(message);
  }
}

const ENDPOINT = new URL('graphql', document.baseURI).pathname;

// The token this page is replacing (regenerate): its refusals, which may arrive before the
// new token does (the old socket's 4401), do not sign the page out.
let replacing: string | null = null;

/** Run `make` (a mutation answering the new token) and sign in with what it gives. */
export async function replaceToken(make: () => Promise<string>): Promise<string> {
  replacing = token();
  try {
    const fresh = await make();
    signIn(fresh);
    return fresh;
  } finally {
    window.setTimeout(() => { replacing = null; }, 5000); // late closes of the old socket
  }
}

function refused(sent: string | null): boolean {
  return sent !== null && sent === token() && sent !== replacing;
}

function fail(error: GraphQLErrorBody, retryAfter: number | null,
              sent: string | null): ApiError {
  const code = error.extensions?.code ?? 'SERVER_ERROR';
  // The token sent was refused (regenerated, reset): forget it, here and in other tabs.
  if (code === 'UNAUTHORIZED' && refused(sent)) signOut();
  return new ApiError(error.message, code, error.extensions?.fields ?? {}, retryAfter);
}

/** Run one query or mutation; the data, or an ApiError. `anonymous` sends no token (the
 * account mutations: a wrong password typed while signed in must not sign out). */
export async function gql<T>(query: string, variables: Record<string, unknown> = {},
                             anonymous = false): Promise<T> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json',
                                            Accept: 'application/json' };
  const bearer = anonymous ? null : token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  let response: Response;
  try {
    response = await fetch(ENDPOINT, { method: 'POST', headers, credentials: 'omit',
                                       body: JSON.stringify({ query, variables }) });
  } catch {
    throw new ApiError('casp could not be reached', 'NETWORK');
  }
  const retry = Number(response.headers.get('Retry-After')) || null;
  let body: { data?: T | null; errors?: GraphQLErrorBody[] };
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`casp answered ${response.status}`, 'SERVER_ERROR');
  }
  if (body.errors?.length) throw fail(body.errors[0], retry, bearer);
  if (body.data == null) throw new ApiError(`casp answered ${response.status}`, 'SERVER_ERROR');
  return body.data;
}

let client: Client | null = null;

function socketUrl(): string {
  const url = new URL(ENDPOINT, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

function subscriptions(): Client {
  client ??= createClient({
    url: socketUrl(),
    lazy: true,
    connectionParams: () => ({ Authorization: `Bearer ${token() ?? ''}` }),
    retryAttempts: 5,
    lazyCloseTimeout: 3000, // a screen change does not close and reopen the socket
  });
  return client;
}

onSessionChange(() => {
  void client?.dispose();
  client = null;
});

/** What a closed socket means: casp closes with 4401 for a retired token (then the user is
 * signed out), 4403 when the connection was refused, 4429 over the sockets a user may hold. */
function socketError(e: unknown, sent: string | null): ApiError {
  const code = typeof e === 'object' && e !== null && 'code' in e ? Number(e.code) : 0;
  if (code === 4401 || code === 4403) {
    // Only if the refused token is still the one kept: regenerating it in this page closes
    // the old token's socket too, after the page took the new one.
    if (refused(sent)) signOut();
    return new ApiError('the token was refused', 'UNAUTHORIZED');
  }
  if (code === 4429) return new ApiError('too many live connections', 'RATE_LIMIT_EXCEEDED');
  return new ApiError('the live connection closed', 'NETWORK');
}

export interface Subscription<T> {
  next: (data: T) => void;
  error?: (error: ApiError) => void;
}

/** Subscribe; returns the function that ends it. */
export function subscribe<T>(query: string, variables: Record<string, unknown>,
                             sink: Subscription<T>): () => void {
  const sent = token(); // the socket's token: a new token gets a new client (below)
  return subscriptions().subscribe<T>({ query, variables }, {
    next: (result) => {
      if (result.errors?.length) {
        sink.error?.(fail(result.errors[0] as GraphQLErrorBody, null, sent));
      } else if (result.data) {
        sink.next(result.data as T);
      }
    },
    error: (e: unknown) => {
      const error = socketError(e, sent); // signs out on 4401, whether or not the sink listens
      sink.error?.(error);
    },
    complete: () => undefined,
  });
}
