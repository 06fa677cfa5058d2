// Node's built-in fetch. Click2Mail: the purchase's parameters as a URLSearchParams body (fetch
// sends application/x-www-form-urlencoded;charset=UTF-8). Hostway: a JSON.stringify() string
// with Content-Type: application/json.
//
//   node fetch.mjs BASE_URL click2mail URLSearchParams
//   node fetch.mjs BASE_URL hostway json-string
//
// Seeds its own user (and account) through the control plane. Prints nothing and exits 0 when
// the journey passes; otherwise its last line says what went wrong.
import { CARD, FORM, Failed, TIMEOUT_MS, admin, expect, run, tag } from "./common.mjs";

async function call(url, user, password, init = {}) {
  const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  const response = await fetch(url, {
    ...init, headers: { ...init.headers, Authorization: authorization }, signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

async function click2mail(base, variant) {
  if (variant !== "URLSearchParams") throw new Failed(`unknown variant ${variant}`);
  const user = `c2m-fetch-${tag}`, password = `pw-${tag}`;
  await admin(base, "click2mail/users", { username: user, password });
  const purchase = (password, card) => call(`${base}/molpro/credit/purchase`, user, password, {
    method: "POST", body: new URLSearchParams({ ...FORM, billingNumber: card }),
  });
  const balance = () => call(`${base}/molpro/credit`, user, password);

  expect("balance before", await balance(), 200, "<status>0</status>", "<balance>0.00</balance>");
  expect("purchase with 4111111111111111", await purchase(password, "4111111111111111"), 200,
    "<status>0</status>", "<description>Success</description>");
  expect("balance after the purchase", await balance(), 200, "<balance>10.00</balance>");
  expect("purchase with 4000000000000002", await purchase(password, "4000000000000002"), 200,
    "<status>2</status>", "<description>payment not authorized: card declined</description>");
  expect("purchase with a wrong password", await purchase(`wrong-${password}`, "4111111111111111"), 401,
    "<status>1</status>", "<description>Authentication failed");
  expect("balance at the end", await balance(), 200, "<balance>10.00</balance>");
}

async function hostway(base) {
  const account = `acct-fetch-${tag}`, owner = `owner-fetch-${tag}`, password = `pw-${tag}`;
  await admin(base, "hostway/accounts", { id: account });
  await admin(base, "hostway/users", { username: owner, password, roles: { [account]: ["sitecontrol_account_owner"] } });
  const methods = `${base}/accounts/${account}/paymentInfo`;
  const post = (url, body) => call(url, owner, password, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });

  const saved = await post(methods, CARD);
  expect("saving the card", saved, 201);
  const location = saved.headers.get("location") ?? "";
  const found = location.match(new RegExp(`/accounts/${account}/paymentInfo/(cc-\\d+)$`));
  if (!found) throw new Failed(`saving the card: Location is '${location}'`);

  const listed = await call(methods, owner, password);
  expect("listing the methods", listed, 200);
  const got = JSON.parse(listed.text).list.map((m) =>
    [m.paymentInfoType, m.accountNumber, m.default, m.links[0].href].join(" "));
  if (got.length !== 1 || got[0] !== `credit_card XXXXXXXXXXXX1111 1 ${location}`) {
    throw new Failed(`listing the methods: expected one default credit_card XXXXXXXXXXXX1111 at ${location}: ${listed.text}`);
  }

  const paid = await post(`${methods}/${found[1]}/payment`, { amount: 25.50 });
  expect("paying 25.50", paid, 204);
  if (paid.text !== "") throw new Failed(`paying 25.50: expected an empty body: ${paid.text}`);
}

await run({ click2mail, hostway });
