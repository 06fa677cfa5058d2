<?php
// PHP's curl extension. Click2Mail: CURLOPT_POSTFIELDS set to an array (PHP then sends
// multipart/form-data), or to an http_build_query() string (application/x-www-form-urlencoded).
// Hostway: CURLOPT_POSTFIELDS a json_encode() string, with Content-Type: application/json.
//
//   php php_curl.php BASE_URL click2mail multipart-array|http_build_query
//   php php_curl.php BASE_URL hostway json-string
//
// Seeds its own user (and account) through the control plane, with curl too. Prints nothing
// and exits 0 when the journey passes; otherwise its last line says what went wrong.

const FORM = [
    'billingName' => 'Awesome User', 'billingAddress1' => '221B Baker St', 'billingCity' => 'Springfield',
    'billingState' => 'MO', 'billingZip' => '34567', 'billingAmount' => '10.00', 'billingMonth' => '12',
    'billingYear' => '2030', 'billingCvv' => '123', 'billingCcType' => 'VI',
];
const CARD = [
    'paymentInfoType' => 'credit_card', 'accountNumber' => '4111111111111111', 'cardHolderName' => 'John Smith',
    'verificationNumber' => '123', 'creditCardType' => 'visa', 'expirationDate' => '2030-4',
    'billingAddress' => ['street1' => '1 Main St', 'city' => 'Chicago', 'postalCode' => '60606', 'countryCode' => 'US'],
];

function fail(string $why): never
{
    echo $why, "\n";
    exit(1);
}

/** One request; a POST when $fields is given. Returns [HTTP status, body, lower-cased headers]. */
function call(string $url, ?string $credentials = null, array|string|null $fields = null, array $headers = []): array
{
    $received = [];
    $ch = curl_init($url);
    curl_setopt_array($ch, [
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_TIMEOUT => 20,
        CURLOPT_HTTPHEADER => $headers,
        CURLOPT_HEADERFUNCTION => function ($ch, string $line) use (&$received): int {
            $parts = explode(':', $line, 2);
            if (count($parts) === 2) {
                $received[strtolower(trim($parts[0]))] = trim($parts[1]);
            }
            return strlen($line);
        },
    ]);
    if ($credentials !== null) {
        curl_setopt($ch, CURLOPT_USERPWD, $credentials);
    }
    if ($fields !== null) {
        curl_setopt($ch, CURLOPT_POSTFIELDS, $fields);
    }
    $body = curl_exec($ch);
    if ($body === false) {
        fail("curl error for $url: " . curl_error($ch));
    }
    return [curl_getinfo($ch, CURLINFO_RESPONSE_CODE), $body, $received];
}

/** The reply has that HTTP status, and its body holds each text. */
function expect(string $what, array $reply, int $http, string ...$texts): void
{
    [$status, $body] = $reply;
    if ($status !== $http) {
        fail("$what: HTTP $status, expected $http: $body");
    }
    foreach ($texts as $text) {
        if (!str_contains($body, $text)) {
            fail("$what: no $text in $body");
        }
    }
}

function admin(string $base, string $path, array $body): void
{
    $json = ['Content-Type: application/json'];
    expect("seeding $path", call("$base/__admin/$path", null, json_encode($body), $json), 201);
}

function click2mail(string $base, string $variant, string $tag): void
{
    [$user, $password] = ["c2m-php-$tag", "pw-$tag"];
    admin($base, 'click2mail/users', ['username' => $user, 'password' => $password]);
    $purchase = function (string $password, string $card) use ($base, $variant, $user): array {
        $form = FORM + ['billingNumber' => $card];
        $fields = match ($variant) {
            'multipart-array' => $form,
            'http_build_query' => http_build_query($form),
            default => fail("unknown variant $variant"),
        };
        return call("$base/molpro/credit/purchase", "$user:$password", $fields);
    };
    $balance = fn () => call("$base/molpro/credit", "$user:$password");

    expect('balance before', $balance(), 200, '<status>0</status>', '<balance>0.00</balance>');
    expect('purchase with 4111111111111111', $purchase($password, '4111111111111111'), 200,
        '<status>0</status>', '<description>Success</description>');
    expect('balance after the purchase', $balance(), 200, '<balance>10.00</balance>');
    expect('purchase with 4000000000000002', $purchase($password, '4000000000000002'), 200,
        '<status>2</status>', '<description>payment not authorized: card declined</description>');
    expect('purchase with a wrong password', $purchase("wrong-$password", '4111111111111111'), 401,
        '<status>1</status>', '<description>Authentication failed');
    expect('balance at the end', $balance(), 200, '<balance>10.00</balance>');
}

function hostway(string $base, string $tag): void
{
    [$account, $owner, $password] = ["acct-php-$tag", "owner-php-$tag", "pw-$tag"];
    admin($base, 'hostway/accounts', ['id' => $account]);
    admin($base, 'hostway/users', ['username' => $owner, 'password' => $password,
        'roles' => [$account => ['sitecontrol_account_owner']]]);
    $methods = "$base/accounts/$account/paymentInfo";
    $json = ['Content-Type: application/json'];

    $saved = call($methods, "$owner:$password", json_encode(CARD), $json);
    expect('saving the card', $saved, 201);
    $location = $saved[2]['location'] ?? '';
    if (!preg_match('#/accounts/' . preg_quote($account, '#') . '/paymentInfo/(cc-\d+)$#', $location, $found)) {
        fail("saving the card: Location is '$location'");
    }

    $listed = call($methods, "$owner:$password");
    expect('listing the methods', $listed, 200);
    $got = array_map(fn ($m) => "{$m['paymentInfoType']} {$m['accountNumber']} {$m['default']} {$m['links'][0]['href']}",
        json_decode($listed[1], true)['list'] ?? []);
    if ($got !== ["credit_card XXXXXXXXXXXX1111 1 $location"]) {
        fail("listing the methods: expected one default credit_card XXXXXXXXXXXX1111 at $location: $listed[1]");
    }

    $paid = call("$methods/$found[1]/payment", "$owner:$password", json_encode(['amount' => 25.50]), $json);
    expect('paying 25.50', $paid, 204);
    if ($paid[1] !== '') {
        fail("paying 25.50: expected an empty body: $paid[1]");
    }
}

[, $base, $journey, $variant] = $argv + [3 => ''];
$tag = bin2hex(random_bytes(8));
match ($journey) {
    'click2mail' => click2mail($base, $variant, $tag),
    'hostway' => hostway($base, $tag),
    default => fail("unknown journey $journey"),
};
