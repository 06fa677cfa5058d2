// What the dashboard draws, from the control plane's own documents. Everything a client sent
// reaches the page as text nodes, never as markup.

/// An element with attributes and children; strings become text nodes.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const time = (iso) => (iso ? iso.replace("T", " ").replace(/\.\d+Z$/, "Z") : "");
/// The time of day, to the millisecond: the table's column; the date is in its title.
const clockTime = (iso) => (iso ? iso.slice(11, 23) : "");

function table(caption, columns, rows, empty) {
  if (rows.length === 0) return h("p", { class: "muted" }, empty);
  return h(
    "table",
    {},
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, columns.map((column) => h("th", { scope: "col" }, column)))),
    h("tbody", {}, rows),
  );
}

/// "The newest N", under a history that may be longer than what is shown.
const newestNote = (shown, newest, what) => (shown === newest ? h("p", { class: "muted" }, `The newest ${newest} ${what}.`) : null);

/// Each Click2Mail user with balance and purchases, at most the `newest`.
export function click2mail(state, newest) {
  const users = state.click2mail.users;
  if (users.length === 0) return [h("p", { class: "muted" }, "No users.")];
  return users.map((user) =>
    h(
      "article",
      { class: "entity", dataset: { user: user.username } },
      h("h3", {}, user.username, " ", h("span", { class: "balance", dataset: { balance: user.username } }, `$${user.balance}`)),
      table(
        `Purchases of ${user.username}`,
        ["Time", "Amount", "Card"],
        user.purchases
          .slice()
          .reverse()
          .map((p) => h("tr", {}, h("td", {}, time(p.purchasedAt)), h("td", {}, `$${p.amount}`), h("td", {}, `${p.cardBrand} …${p.cardLastFour}`))),
        "No purchases.",
      ),
      newestNote(user.purchases.length, newest, "purchases"),
    ),
  );
}

/// Each Hostway account with its methods and payments (at most the `newest`), then the users
/// with their roles.
export function hostway(state, vendorBase, newest) {
  const accounts = state.hostway.accounts.map((account) => {
    const methods = account.paymentMethods.map((method) => {
      const href = `${vendorBase}/accounts/${encodeURIComponent(account.id)}/paymentInfo/${encodeURIComponent(method.id)}`;
      const isDefault = account.default === method.id;
      const what =
        method.paymentInfoType === "credit_card"
          ? `${method.creditCardType} ${method.accountNumber}, expires ${method.expirationDate}`
          : `direct debit ${method.accountNumber}, routing ${method.routingNumber}`;
      return h(
        "li",
        { dataset: { method: method.id } },
        h("a", { href }, method.id),
        " ",
        what,
        isDefault ? h("span", { class: "badge" }, "default") : null,
      );
    });
    const payments = account.payments.map((payment) =>
      h("tr", {}, h("td", {}, time(payment.createdAt)), h("td", {}, payment.paymentInfo), h("td", {}, `$${payment.amount}`), h("td", {}, payment.status)),
    );
    const fallback = account.default === "offline" ? "offline" : account.default === null ? "none yet" : null;
    return h(
      "article",
      { class: "entity", dataset: { account: account.id } },
      h("h3", {}, `Account ${account.id}`, " ", h("span", { class: "muted" }, account.allowOffline ? "offline allowed" : "offline not allowed")),
      fallback ? h("p", { class: "muted" }, `Default: ${fallback}`) : null,
      methods.length ? h("ul", { class: "methods" }, methods) : h("p", { class: "muted" }, "No payment methods."),
      table(`Payments of account ${account.id}`, ["Time", "Method", "Amount", "Status"], payments, "No payments."),
      newestNote(payments.length, newest, "payments"),
    );
  });
  const users = state.hostway.users.map((user) => {
    const roles = Object.entries(user.roles).map(([account, names]) => `${account}: ${names.join(", ")}`);
    return h("tr", {}, h("td", {}, user.username), h("td", {}, user.salesAgent ? "sales agent" : roles.join("; ") || "no roles"));
  });
  return [...accounts, h("h3", {}, "Users"), table("Hostway users", ["User", "Roles"], users, "No users.")];
}

/// The fault rules with their hit counts, each with a Remove button.
export function faults(rules, remove) {
  if (rules.length === 0) return [h("p", { class: "muted" }, "No fault rules.")];
  const rows = rules.map((rule) => {
    const match = [rule.match.method, rule.match.path, rule.match.user && `user ${rule.match.user}`].filter(Boolean).join(" ") || "every request";
    const action = rule.action;
    const does = [
      action.delayMs !== undefined && `wait ${action.delayMs} ms`,
      action.status !== undefined && `answer ${action.status}`,
      action.drop && `drop (${action.drop})`,
    ]
      .filter(Boolean)
      .join(", ");
    return h(
      "tr",
      { dataset: { fault: rule.id } },
      h("td", {}, String(rule.id)),
      h("td", {}, match),
      h("td", {}, does),
      h("td", {}, rule.times === null ? "∞" : String(rule.times)),
      h("td", { class: "hits" }, String(rule.hits)),
      h("td", {}, h("button", { type: "button", "aria-label": `Remove fault rule ${rule.id}`, onclick: () => remove(rule.id) }, "Remove")),
    );
  });
  return [table("Fault rules", ["Rule", "Matches", "Does", "Times left", "Hits", ""], rows, "")];
}

/// The snapshots, each with Restore and Delete buttons.
export function snapshots(list, restore, remove) {
  if (list.length === 0) return [h("p", { class: "muted" }, "No snapshots.")];
  return [
    h(
      "ul",
      { class: "snapshots" },
      list.map((snapshot) =>
        h(
          "li",
          {},
          h("span", {}, snapshot.name, " ", h("span", { class: "muted" }, time(snapshot.createdAt))),
          h("button", { type: "button", "aria-label": `Restore snapshot ${snapshot.name}`, onclick: () => restore(snapshot.name) }, "Restore"),
          h("button", { type: "button", "aria-label": `Delete snapshot ${snapshot.name}`, onclick: () => remove(snapshot.name) }, "Delete"),
        ),
      ),
    ),
  ];
}

/// One row of the traffic table; the time is a button that opens the entry.
export function trafficRow(entry, open) {
  const status = entry.status === 0 ? "—" : String(entry.status);
  return h(
    "tr",
    { class: `status-${String(entry.status)[0]}`, dataset: { entry: entry.id } },
    h("td", {}, h("button", { type: "button", class: "link", title: time(entry.time), "aria-label": `Open request ${entry.id}: ${entry.method} ${entry.path}`, onclick: () => open(entry) }, clockTime(entry.time))),
    h("td", {}, entry.method),
    h("td", { class: "path" }, entry.path + (entry.query ? `?${entry.query}` : "")),
    h("td", {}, status),
    h("td", {}, `${entry.durationMs.toFixed(1)} ms`),
    h("td", { class: "reason" }, entry.reason),
  );
}

function headerList(pairs) {
  if (!pairs.length) return h("p", { class: "muted" }, "none");
  return h("dl", { class: "headers" }, pairs.map(([name, value]) => [h("dt", {}, name), h("dd", {}, value)]));
}

/// The request and its answer, as the journal keeps them.
export function detail(entry) {
  return [
    h("p", { class: "reason" }, entry.reason),
    h("h3", {}, "Request"),
    h("p", {}, h("code", {}, `${entry.method} ${entry.path}${entry.query ? `?${entry.query}` : ""}`), entry.user ? ` as ${entry.user}` : "", ` in ${entry.namespace}, at ${time(entry.time)}`),
    headerList(entry.requestHeaders),
    h("pre", { class: "body", tabindex: "0" }, entry.requestBody || "(no body)"),
    h("h3", {}, `Reply: ${entry.status === 0 ? "none was sent" : entry.status}`, ` in ${entry.durationMs} ms`),
    headerList(entry.responseHeaders),
    h("pre", { class: "body", tabindex: "0" }, entry.responseBody || "(no body)"),
  ];
}

const quote = (text) => `'${String(text).replace(/'/g, `'\\''`)}'`;

/// The request as a curl command, without secrets: the password is a placeholder, and the
/// body is the journal's, card numbers and CVVs masked.
export function curl(entry, origin) {
  const prefix = entry.namespace === "default" ? "" : `/ns/${encodeURIComponent(entry.namespace)}`;
  const url = `${origin}${prefix}${entry.path}${entry.query ? `?${entry.query}` : ""}`;
  const parts = ["curl"];
  if (entry.method !== "GET" || entry.requestBody) parts.push("-X", entry.method);
  parts.push(quote(url));
  const skipped = new Set(["host", "content-length", "connection", "authorization", "proxy-authorization", "cookie", "user-agent", "accept-encoding"]);
  for (const [name, value] of entry.requestHeaders) {
    if (!skipped.has(name)) parts.push("-H", quote(`${name}: ${value}`));
  }
  const authorization = entry.requestHeaders.find(([name]) => name === "authorization");
  if (authorization && entry.user !== null && /^basic /i.test(authorization[1])) parts.push("-u", quote(`${entry.user}:PASSWORD`));
  else if (authorization) parts.push("-H", quote("Authorization: ***"));
  const type = (entry.requestHeaders.find(([name]) => name === "content-type") || [])[1] || "";
  if (entry.requestBody && type.startsWith("application/x-www-form-urlencoded")) {
    for (const pair of entry.requestBody.split("&")) parts.push("--data-urlencode", quote(pair));
  } else if (entry.requestBody) {
    parts.push("--data-raw", quote(entry.requestBody));
  }
  return parts.join(" ");
}
