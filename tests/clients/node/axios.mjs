// axios, as a TypeScript client uses it: axios.post(url, {}, { params }) puts every purchase
// parameter in the query string and sends the body {} as Content-Type: application/json.
// axios also sends its default Accept: application/json, text/plain, */*, so the API answers
// with the same fields as JSON (README, "JSON"), and those are what is checked here.
//
//   node axios.mjs BASE_URL click2mail params+json{}
//
// Seeds its own user through the control plane (with fetch). Prints nothing and exits 0 when
// the journey passes; otherwise its last line says what went wrong.
import axios from "axios";

import { FORM, Failed, TIMEOUT_MS, admin, run, tag } from "./common.mjs";

// Every status is an answer to check, not an exception; bodies stay text.
const client = axios.create({ validateStatus: () => true, responseType: "text", timeout: TIMEOUT_MS });
const reply = (response) => ({ status: response.status, text: response.data });

/** The reply has that HTTP status, and its JSON body has each of these fields' values. */
function expect(what, reply, http, fields) {
  if (reply.status !== http) throw new Failed(`${what}: HTTP ${reply.status}, expected ${http}: ${reply.text}`);
  let body;
  try {
    body = JSON.parse(reply.text);
  } catch {
    throw new Failed(`${what}: not JSON: ${reply.text}`);
  }
  for (const [name, value] of Object.entries(fields)) {
    const ok = value instanceof RegExp ? value.test(body[name]) : body[name] === value;
    if (!ok) throw new Failed(`${what}: ${name} is ${JSON.stringify(body[name])}, expected ${value}: ${reply.text}`);
  }
}

async function click2mail(base, variant) {
  if (variant !== "params+json{}") throw new Failed(`unknown variant ${variant}`);
  const user = `c2m-axios-${tag}`, password = `pw-${tag}`;
  await admin(base, "click2mail/users", { username: user, password });
  const purchase = async (password, card) => reply(await client.post(`${base}/molpro/credit/purchase`, {}, {
    params: { ...FORM, billingNumber: card }, auth: { username: user, password },
  }));
  const balance = async () => reply(await client.get(`${base}/molpro/credit`, { auth: { username: user, password } }));

  expect("balance before", await balance(), 200, { status: 0, balance: "0.00" });
  expect("purchase with 4111111111111111", await purchase(password, "4111111111111111"), 200,
    { status: 0, description: "Success" });
  expect("balance after the purchase", await balance(), 200, { status: 0, balance: "10.00" });
  expect("purchase with 4000000000000002", await purchase(password, "4000000000000002"), 200,
    { status: 2, description: "payment not authorized: card declined" });
  expect("purchase with a wrong password", await purchase(`wrong-${password}`, "4111111111111111"), 401,
    { status: 1, description: /^Authentication failed/ });
  expect("balance at the end", await balance(), 200, { status: 0, balance: "10.00" });
}

await run({ click2mail });
