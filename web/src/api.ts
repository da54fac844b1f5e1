// The dashboard's only door into casp: the public GraphQL API at /graphql (queries and
// mutations over HTTP, the certificateEvents subscription over graphql-transport-ws).
import { createClient, type Client } from 'graphql-ws';
import { onSessionChange, signOut, token } from './session';

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

function fail(error: GraphQLErrorBody, retryAfter: number | null,
              sent: string | null): ApiError {
  const code = error.extensions?.code ?? 'SERVER_ERROR';
  // The token sent was refused (regenerated, reset): forget it, here and in other tabs.
  if (code === 'UNAUTHORIZED' && sent !== null && sent === token()) signOut();
  return new ApiError(error.message, code, error.extensions?.fields ?? {}, retryAfter);
}

/** Run one query or mutation; the data, or an ApiError. `anonymous` sends no token (the
 * account mutations: a wrong password typed while signed in must not sign out). */
export function gql<T>(query: string, variables: Record<string, unknown> = {},
                       anonymous = false): Promise<T> {
  const answer = request<T>(query, variables, anonymous);
  const done = () => inflight.delete(answer);
  inflight.add(answer);
  answer.then(done, done);
  return answer;
}

/** The requests under way: a socket closed for a retired token waits for them (the answer
 * to regenerateApiToken may be among them, bringing the token that replaces it). */
const inflight = new Set<Promise<unknown>>();

async function settled(): Promise<void> {
  await Promise.allSettled([...inflight]);
  await new Promise((resolve) => window.setTimeout(resolve, 0)); // their callers' turn
}

async function request<T>(query: string, variables: Record<string, unknown>,
                          anonymous: boolean): Promise<T> {
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
function socketError(e: unknown): ApiError {
  const code = typeof e === 'object' && e !== null && 'code' in e ? Number(e.code) : 0;
  if (code === 4401 || code === 4403) {
    // Signed out, unless a request under way brings a new token (this page regenerated it).
    const was = token();
    void settled().then(() => {
      if (was && token() === was) signOut();
    });
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
  return subscriptions().subscribe<T>({ query, variables }, {
    next: (result) => {
      if (result.errors?.length) {
        sink.error?.(fail(result.errors[0] as GraphQLErrorBody, null, token()));
      } else if (result.data) {
        sink.next(result.data as T);
      }
    },
    error: (e: unknown) => {
      const error = socketError(e); // signs out on 4401, whether or not the sink listens
      sink.error?.(error);
    },
    complete: () => undefined,
  });
}
