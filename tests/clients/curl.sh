#!/usr/bin/env bash
# curl, the command line. Click2Mail: the purchase's parameters as -d pairs, as --data-urlencode
# pairs, as -F parts (multipart/form-data), or all in the query string of a POST with no body
# (-G -X POST). Hostway: JSON with -d and -H 'Content-Type: application/json'.
#
#   bash curl.sh BASE_URL click2mail -d|--data-urlencode|-F|query
#   bash curl.sh BASE_URL hostway -d+header
#
# Seeds its own user (and account) through the control plane, with curl. Prints nothing and
# exits 0 when the journey passes; otherwise its last line says what went wrong.
set -euo pipefail
base=$1 journey=$2 variant=${3:-}
tag="$(date +%s%N)-$$-$RANDOM"
password="pw-$tag"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "$*"
  exit 1
}

# call CURL_ARGS...: one request; sets $status and $body, and keeps the headers in $tmp/headers.
call() {
  status=$(curl -sS --max-time 20 -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' "$@") ||
    fail "curl $* failed with exit code $?"
  body=$(cat "$tmp/body")
}

# expect WHAT HTTP TEXT...: the last reply had that HTTP status, and its body holds each TEXT.
expect() {
  local what=$1 http=$2 text
  shift 2
  [ "$status" = "$http" ] || fail "$what: HTTP $status, expected $http: ${body//$'\n'/ }"
  for text; do
    [[ $body == *"$text"* ]] || fail "$what: no $text in ${body//$'\n'/ }"
  done
}

admin() {
  call -X POST "$base/__admin/$1" -H 'Content-Type: application/json' -d "$2"
  expect "seeding $1" 201
}

click2mail() {
  local user="c2m-curl-$tag"
  admin click2mail/users "{\"username\": \"$user\", \"password\": \"$password\"}"
  local form=('billingName=Awesome User' 'billingAddress1=221B Baker St' billingCity=Springfield
    billingState=MO billingZip=34567 billingAmount=10.00 billingMonth=12 billingYear=2030
    billingCvv=123 billingCcType=VI)

  # purchase CREDENTIALS CARD_NUMBER
  purchase() {
    local args=() pair
    for pair in "${form[@]}" "billingNumber=$2"; do
      case $variant in
        -d) args+=(-d "$pair") ;;
        --data-urlencode | query) args+=(--data-urlencode "$pair") ;;
        -F) args+=(-F "$pair") ;;
        *) fail "unknown variant $variant" ;;
      esac
    done
    if [ "$variant" = query ]; then args+=(-G -X POST); fi
    call -u "$1" "${args[@]}" "$base/molpro/credit/purchase"
  }

  call -u "$user:$password" "$base/molpro/credit"
  expect "balance before" 200 '<status>0</status>' '<balance>0.00</balance>'
  purchase "$user:$password" 4111111111111111
  expect "purchase with 4111111111111111" 200 '<status>0</status>' '<description>Success</description>'
  call -u "$user:$password" "$base/molpro/credit"
  expect "balance after the purchase" 200 '<balance>10.00</balance>'
  purchase "$user:$password" 4000000000000002
  expect "purchase with 4000000000000002" 200 '<status>2</status>' \
    '<description>payment not authorized: card declined</description>'
  purchase "$user:wrong-$password" 4111111111111111
  expect "purchase with a wrong password" 401 '<status>1</status>' '<description>Authentication failed'
  call -u "$user:$password" "$base/molpro/credit"
  expect "balance at the end" 200 '<balance>10.00</balance>'
}

hostway() {
  local account="acct-curl-$tag" owner="owner-curl-$tag"
  admin hostway/accounts "{\"id\": \"$account\"}"
  admin hostway/users "{\"username\": \"$owner\", \"password\": \"$password\",
    \"roles\": {\"$account\": [\"sitecontrol_account_owner\"]}}"
  local methods="$base/accounts/$account/paymentInfo" json='Content-Type: application/json'

  call -u "$owner:$password" -H "$json" "$methods" -d '{"paymentInfoType": "credit_card",
    "accountNumber": "4111111111111111", "cardHolderName": "John Smith", "verificationNumber": "123",
    "creditCardType": "visa", "expirationDate": "2030-4", "billingAddress": {"street1": "1 Main St",
    "city": "Chicago", "postalCode": "60606", "countryCode": "US"}}'
  expect "saving the card" 201
  local location
  location=$(sed -n 's/^location: *//Ip' "$tmp/headers" | tr -d '\r')
  [[ $location =~ /accounts/$account/paymentInfo/(cc-[0-9]+)$ ]] || fail "saving the card: Location is '$location'"
  local id=${BASH_REMATCH[1]}

  call -u "$owner:$password" "$methods"
  expect "listing the methods" 200
  # Only the check reads JSON with Python; the request above is curl's.
  local listed
  listed=$(python3 -c 'import json, sys
for m in json.load(sys.stdin)["list"]:
    print(m["paymentInfoType"], m["accountNumber"], m["default"], m["links"][0]["href"])' <<<"$body") ||
    fail "listing the methods: not the expected JSON: $body"
  [ "$listed" = "credit_card XXXXXXXXXXXX1111 1 $location" ] ||
    fail "listing the methods: expected one default credit_card XXXXXXXXXXXX1111 at $location: $body"

  call -u "$owner:$password" -H "$json" -d '{"amount": 25.50}' "$methods/$id/payment"
  expect "paying 25.50" 204
  [ -z "$body" ] || fail "paying 25.50: expected an empty body: $body"
}

case $journey in
  click2mail) click2mail ;;
  hostway) hostway ;;
  *) fail "unknown journey $journey" ;;
esac
