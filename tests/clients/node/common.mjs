// What the Node stacks share: the purchase form, the Hostway card, the checks, and seeding
// through the control plane (with the built-in fetch).
import { randomUUID } from "node:crypto";

export const FORM = {
  billingName: "Awesome User", billingAddress1: "221B Baker St", billingCity: "Springfield",
  billingState: "MO", billingZip: "34567", billingAmount: "10.00", billingMonth: "12",
  billingYear: "2030", billingCvv: "123", billingCcType: "VI",
};
export const CARD = {
  paymentInfoType: "credit_card", accountNumber: "4111111111111111", cardHolderName: "John Smith",
  verificationNumber: "123", creditCardType: "visa", expirationDate: "2030-4",
  billingAddress: { street1: "1 Main St", city: "Chicago", postalCode: "60606", countryCode: "US" },
};
export const TIMEOUT_MS = 20000;
export const tag = randomUUID().replaceAll("-", "").slice(0, 16);

export class Failed extends Error {}

/** The reply ({status, text}) has that HTTP status, and its body holds each text. */
export function expect(what, reply, http, ...texts) {
  if (reply.status !== http) throw new Failed(`${what}: HTTP ${reply.status}, expected ${http}: ${reply.text}`);
  for (const text of texts) {
    if (!reply.text.includes(text)) throw new Failed(`${what}: no ${text} in ${reply.text}`);
  }
}

export async function admin(base, path, body) {
  const response = await fetch(`${base}/__admin/${path}`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  expect(`seeding ${path}`, { status: response.status, text: await response.text() }, 201);
}

/** Runs the journey; on failure prints one line saying why and exits 1. */
export async function run(journeys) {
  const [base, journey, variant = ""] = process.argv.slice(2);
  try {
    if (!journeys[journey]) throw new Failed(`unknown journey ${journey}`);
    await journeys[journey](base, variant);
  } catch (error) {
    const cause = error.cause ? ` (${error.cause.code || error.cause.message})` : "";
    console.log(error instanceof Failed ? error.message : `${error.name}: ${error.message}${cause}`);
    process.exit(1);
  }
}
