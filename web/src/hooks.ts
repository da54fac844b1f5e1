import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, gql } from './api';

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
        error: error instanceof ApiError ? error : new ApiError(String(error), 'SERVER_ERROR'),
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
      setError(e instanceof ApiError ? e : new ApiError(String(e), 'SERVER_ERROR'));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, clear: () => setError(null) };
}

/** Set the page title, and move focus to the screen's heading for screen readers. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · casp`;
  }, [title]);
}
