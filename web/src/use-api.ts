/**
 * Data of one page from the API, refreshed when `refresh` changes (pages pass the live tick, so
 * they follow the daemon second by second). The last answer stays on screen while the next one
 * loads; a request still running when the next refresh comes is not doubled, the refresh runs
 * after it. Errors are kept beside the last good data, so a page can show both.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from './api';

export interface ApiState<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

export function useApi<T>(path: string | null, refresh: unknown = 0): ApiState<T> {
  const [state, setState] = useState<{ data: T | null; error: ApiError | null; path: string | null; loading: boolean }>({ data: null, error: null, path, loading: path !== null });
  const inFlight = useRef(false);
  const again = useRef(false);
  const current = useRef(path);
  current.current = path;
  const [nudge, setNudge] = useState(0);

  const run = useCallback(async (p: string) => {
    if (inFlight.current) {
      again.current = true;
      return;
    }
    inFlight.current = true;
    try {
      const data = await api<T>(p);
      if (current.current === p) setState({ data, error: null, path: p, loading: false });
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(0, 'error', (e as Error).message);
      if (current.current === p) setState((s) => ({ data: s.path === p ? s.data : null, error: err, path: p, loading: false }));
    } finally {
      inFlight.current = false;
      if (again.current) {
        again.current = false;
        setNudge((n) => n + 1);
      }
    }
  }, []);

  useEffect(() => {
    if (path === null) return;
    if (state.path !== path) setState({ data: null, error: null, path, loading: true });
    void run(path);
  }, [path, refresh, nudge]);

  return { data: state.path === path ? state.data : null, error: state.path === path ? state.error : null, loading: state.loading || state.path !== path, reload: () => path !== null && void run(path) };
}
