//! The code under test: a checkout that buys Click2Mail credit with a card. It knows nothing
//! of paymock; its tests give it paymock's URL as the base URL of the Click2Mail API.

/// Buys `amount` (such as `"25.00"`) of credit for the account `username`, paying with the
/// Click2Mail test card; gives the `<credit>` XML the API answered.
pub async fn buy_credit(base_url: &str, username: &str, password: &str, amount: &str) -> reqwest::Result<String> {
    let form = [
        ("billingName", "Awesome User"),
        ("billingAddress1", "221B Baker St"),
        ("billingCity", "Springfield"),
        ("billingState", "MO"),
        ("billingZip", "34567"),
        ("billingAmount", amount),
        ("billingNumber", "4111111111111111"),
        ("billingMonth", "12"),
        ("billingYear", "2030"),
        ("billingCvv", "123"),
        ("billingCcType", "VI"),
    ];
    reqwest::Client::new()
        .post(format!("{base_url}/molpro/credit/purchase"))
        .basic_auth(username, Some(password))
        .form(&form)
        .send()
        .await?
        .error_for_status()?
        .text()
        .await
}
