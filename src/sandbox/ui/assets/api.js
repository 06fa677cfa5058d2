// The control plane as the dashboard reads it: JSON over fetch with the admin token, kept for
// this tab only, and the live stream of changes (GET /__admin/events), read with fetch so that
// it can carry the token, and opened again whenever it ends.

const TOKEN_KEY = "paymock-admin-token";

export class Unauthorized extends Error {}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

function headers(extra = {}) {
  const given = token();
  return given ? { ...extra, Authorization: `Bearer ${given}` } : extra;
}

/// The admin route `path` (after /__admin) of namespace `ns`, or of the whole server.
export function adminUrl(path, ns) {
  return ns && ns !== "default" ? `/__admin/ns/${encodeURIComponent(ns)}${path}` : `/__admin${path}`;
}

/// Calls the control plane; answers the parsed JSON (null for 204), or throws with its message.
export async function call(method, path, body) {
  const init = { method, headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(path, init);
  if (response.status === 401) throw new Unauthorized("the admin token is needed");
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const details = parsed && parsed.details ? Object.entries(parsed.details).map(([k, v]) => `${k} ${v}`) : [];
    throw new Error([parsed && parsed.error ? parsed.error : `HTTP ${response.status}`, ...details].join("; "));
  }
  return parsed;
}

/// The export document, as a file the browser saves.
export async function download(path, filename) {
  const response = await fetch(path, { headers: headers() });
  if (!response.ok) throw new Error(`export: HTTP ${response.status}`);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/// Reads the stream of changes for as long as the page lives, calling `onChange` with each
/// event's data and `onState` with "live" or "reconnecting". A stream that ends or fails is
/// opened again, after 0.5 s, then up to 5 s between tries.
export async function watch(onChange, onState) {
  let wait = 500;
  for (;;) {
    try {
      const response = await fetch("/__admin/events", { headers: headers({ Accept: "text/event-stream" }) });
      if (response.status === 401) throw new Unauthorized("the admin token is needed");
      if (!response.ok || !response.body) throw new Error(`events: HTTP ${response.status}`);
      onState("live");
      wait = 500;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let pending = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        pending += value;
        let end;
        while ((end = pending.indexOf("\n\n")) >= 0) {
          const block = pending.slice(0, end);
          pending = pending.slice(end + 2);
          const data = block
            .split("\n")
            .filter((line) => line.startsWith("data:"))
            .map((line) => line.slice(5).trimStart())
            .join("\n");
          if (data) onChange(JSON.parse(data));
        }
      }
    } catch (error) {
      if (error instanceof Unauthorized) throw error;
    }
    onState("reconnecting");
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(wait * 2, 5000);
  }
}
