// Calls to the /v1 API with the session cookie. A 401 anywhere means the session is gone: the app
// returns to the sign-in page with the server's reason.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const SIGNED_OUT = 'tml:signed-out';

export function signedOut(reason: string): void {
  window.dispatchEvent(new CustomEvent(SIGNED_OUT, { detail: reason }));
}

async function problemOf(response: Response): Promise<ApiError> {
  let detail = `${response.status} ${response.statusText}`;
  let code = 'HTTP_' + response.status;
  try {
    const body = (await response.json()) as { detail?: string; code?: string };
    if (body.detail) detail = body.detail;
    if (body.code) code = body.code;
  } catch {
    // not a problem document
  }
  return new ApiError(response.status, code, detail);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`/v1${path}`, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    const error = await problemOf(response);
    if (response.status === 401 && path !== '/session') signedOut(error.message);
    throw error;
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const enc = encodeURIComponent;
