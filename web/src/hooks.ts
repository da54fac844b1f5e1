import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, gql } from './api';

/** An error as ErrorBox shows it: casp's own (ApiError, with casp's detail), or a fault of
 * this page (a TypeError...) as SERVER_ERROR with no detail line (its words are not casp's:
 * they go to the console for whoever debugs it). */
function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  console.error(error);
  return new ApiError('', 'SERVER_ERROR');
}

export interface QueryState<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

/** Run a query now and whenever `deps` change; the latest answer wins. */
export function useQuery<T>(query: string, variables: Record<string, unknown> = {},
                            deps: unknown[] = []): QueryState<T> {
  const [state, setState] = useState<{ data: T | null; error: ApiError | null;
                                       loading: boolean }>({ data: null, error: null,
                                                             loading: true });
  const [round, setRound] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const mine = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    gql<T>(query, variables).then(
      (data) => mine === latest.current && setState({ data, error: null, loading: false }),
      (error: unknown) => mine === latest.current && setState((s) => ({
        data: s.data, loading: false,
        error: asApiError(error),
      })),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload };
}

export interface Action<A extends unknown[], R> {
  run: (...args: A) => Promise<R | undefined>;
  busy: boolean;
  error: ApiError | null;
  clear: () => void;
}

/** A mutation behind a button or form: busy while it runs, its error kept to show. */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>): Action<A, R> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = async (...args: A): Promise<R | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await fn(...args);
    } catch (e) {
      setError(asApiError(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, clear: () => setError(null) };
}
