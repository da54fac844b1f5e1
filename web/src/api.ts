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

function fail(error: GraphQLErrorBody, retryAfter: number | null): ApiError {
  const code = error.extensions?.code ?? 'SERVER_ERROR';
  if (code === 'UNAUTHORIZED' && token()) signOut();
  return new ApiError(error.message, code, error.extensions?.fields ?? {}, retryAfter);
}

/** Run one query or mutation; the data, or an ApiError. */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json',
                                            Accept: 'application/json' };
  const bearer = token();
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
  if (body.errors?.length) throw fail(body.errors[0], retry);
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
  });
  return client;
}

onSessionChange(() => {
  void client?.dispose();
  client = null;
});

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
        sink.error?.(fail(result.errors[0] as GraphQLErrorBody, null));
      } else if (result.data) {
        sink.next(result.data as T);
      }
    },
    error: () => sink.error?.(new ApiError('the live connection closed', 'NETWORK')),
    complete: () => undefined,
  });
}
