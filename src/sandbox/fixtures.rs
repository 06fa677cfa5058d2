//! The sandbox's starting data: Click2Mail users, Hostway accounts and users, and the
//! test-card table.
//!
//! The default set in `fixtures/` is compiled into the binary, so the bare binary works from
//! any directory. `--fixtures DIR` replaces each of the three files that DIR holds; a file
//! DIR lacks keeps its default, and a DIR that holds none of them is an error rather than a
//! silent fallback. Users and accounts are written into a new database once, or at every
//! start with `--load-fixtures always` (see `Store::load_fixtures`); the test-card table is
//! rules, not state, and is read afresh at every start.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Deserializer};

use crate::domain::cards::{TestCardEntry, TestCards};
use crate::domain::money::Cents;
use crate::domain::names;

pub const CLICK2MAIL_FILE: &str = "click2mail.json";
pub const HOSTWAY_FILE: &str = "hostway.json";
pub const TEST_CARDS_FILE: &str = "test-cards.json";
/// The files a fixtures directory may hold.
pub const FILE_NAMES: [&str; 3] = [CLICK2MAIL_FILE, HOSTWAY_FILE, TEST_CARDS_FILE];

#[derive(Debug, Clone)]
pub struct Fixtures {
    pub click2mail: Click2MailFixtures,
    pub hostway: HostwayFixtures,
    pub test_cards: TestCards,
    /// Where each file came from, in the order of [`FILE_NAMES`]: a path, or `built-in NAME`.
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Click2MailFixtures {
    pub users: Vec<Click2MailUser>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Click2MailUser {
    pub username: String,
    pub password: String,
    /// A decimal string such as `"25.00"`; zero when absent.
    #[serde(default = "zero", deserialize_with = "decimal_amount")]
    pub balance: Cents,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostwayFixtures {
    pub accounts: Vec<HostwayAccount>,
    pub users: Vec<HostwayUser>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HostwayAccount {
    pub id: String,
    /// Whether the account may fall back to the offline payment method.
    #[serde(default)]
    pub allow_offline: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HostwayUser {
    pub username: String,
    pub password: String,
    /// Sales agents act on every account.
    #[serde(default)]
    pub sales_agent: bool,
    /// Roles by account id, such as `sitecontrol_account_owner`.
    #[serde(default)]
    pub roles: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct TestCardsFile {
    test_cards: Vec<TestCardEntry>,
}

/// A fixture file that cannot be read or does not hold valid fixtures.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct FixtureError {
    file: String,
    reason: String,
}

impl Fixtures {
    /// The defaults compiled into the binary.
    pub fn builtin() -> Result<Fixtures, FixtureError> {
        Fixtures::load(None)
    }

    /// The defaults, with each file found in `dir` taking the place of its default. A `dir`
    /// that holds none of the files is an error: it is surely not the directory meant.
    pub fn load(dir: Option<&Path>) -> Result<Fixtures, FixtureError> {
        if let Some(dir) = dir
            && !FILE_NAMES.iter().any(|name| dir.join(name).exists())
        {
            return Err(FixtureError {
                file: dir.display().to_string(),
                reason: format!("holds none of {}; is it the right directory?", FILE_NAMES.join(", ")),
            });
        }
        let mut sources = Vec::new();
        let (click2mail, file): (Click2MailFixtures, _) =
            parse(dir, CLICK2MAIL_FILE, include_str!("../../fixtures/click2mail.json"))?;
        unique("user", click2mail.users.iter().map(|user| &user.username))
            .and_then(|()| valid_names("user", click2mail.users.iter().map(|user| &user.username)))
            .map_err(|reason| FixtureError { file: file.clone(), reason })?;
        sources.push(file);
        let (hostway, file): (HostwayFixtures, _) =
            parse(dir, HOSTWAY_FILE, include_str!("../../fixtures/hostway.json"))?;
        unique("account", hostway.accounts.iter().map(|account| &account.id))
            .and_then(|()| unique("user", hostway.users.iter().map(|user| &user.username)))
            .and_then(|()| valid_names("account", hostway.accounts.iter().map(|account| &account.id)))
            .and_then(|()| valid_names("user", hostway.users.iter().map(|user| &user.username)))
            .and_then(|()| check_roles_name_known_accounts(&hostway))
            .map_err(|reason| FixtureError { file: file.clone(), reason })?;
        sources.push(file);
        let (test_cards, file): (TestCardsFile, _) =
            parse(dir, TEST_CARDS_FILE, include_str!("../../fixtures/test-cards.json"))?;
        let test_cards =
            TestCards::new(test_cards.test_cards).map_err(|reason| FixtureError { file: file.clone(), reason })?;
        sources.push(file);
        Ok(Fixtures { click2mail, hostway, test_cards, sources })
    }
}

/// Reads one fixture file from `dir`, or its default, and says which one it read.
fn parse<T: for<'de> Deserialize<'de>>(
    dir: Option<&Path>,
    name: &str,
    builtin: &str,
) -> Result<(T, String), FixtureError> {
    let path = dir.map(|dir| dir.join(name)).filter(|path| path.exists());
    let (file, text) = match path {
        Some(path) => {
            let file = path.display().to_string();
            match std::fs::read_to_string(&path) {
                Ok(text) => (file, text),
                Err(err) => return Err(FixtureError { file, reason: err.to_string() }),
            }
        }
        None => (format!("built-in {name}"), builtin.to_owned()),
    };
    // Editors on Windows start UTF-8 files with a byte-order mark; it is no part of the JSON.
    match serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(&text)) {
        Ok(value) => Ok((value, file)),
        Err(err) => Err(FixtureError { file, reason: err.to_string() }),
    }
}

fn unique<'a>(what: &str, names: impl Iterator<Item = &'a String>) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for name in names {
        if !seen.insert(name) {
            return Err(format!("{what} {name} is listed twice"));
        }
    }
    Ok(())
}

/// Names as the control plane takes them (see [`names`]), so that both doors agree.
fn valid_names<'a>(what: &str, mut names: impl Iterator<Item = &'a String>) -> Result<(), String> {
    match names.find(|name| !names::is_valid(name)) {
        Some(name) => Err(format!("{what} {name:?} {}", names::RULE)),
        None => Ok(()),
    }
}

fn check_roles_name_known_accounts(hostway: &HostwayFixtures) -> Result<(), String> {
    for user in &hostway.users {
        for account in user.roles.keys() {
            if !hostway.accounts.iter().any(|known| &known.id == account) {
                return Err(format!("user {} has a role on account {account}, which is not listed", user.username));
            }
        }
    }
    Ok(())
}

fn zero() -> Cents {
    Cents::ZERO
}

fn decimal_amount<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Cents, D::Error> {
    let text = String::deserialize(deserializer)?;
    Cents::parse(&text).map_err(|err| serde::de::Error::custom(format!("balance {text:?} {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_fixtures_hold_the_documented_data() {
        let fixtures = Fixtures::builtin().unwrap();
        let user = &fixtures.click2mail.users[0];
        assert_eq!(
            (user.username.as_str(), user.password.as_str(), user.balance),
            ("awesomeuser", "gReAt/PaSsWoRd123", Cents::ZERO)
        );
        let accounts: Vec<_> = fixtures.hostway.accounts.iter().map(|a| (a.id.as_str(), a.allow_offline)).collect();
        assert_eq!(accounts, [("1001", false), ("1002", true)]);
        let users: Vec<_> =
            fixtures.hostway.users.iter().map(|u| (u.username.as_str(), u.sales_agent, u.roles.len())).collect();
        assert_eq!(users, [("acme-owner", false, 2), ("acme-member", false, 1), ("sales-agent", true, 0)]);
        assert_eq!(fixtures.test_cards.len(), 10);
    }

    #[test]
    fn a_directory_replaces_only_the_files_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CLICK2MAIL_FILE),
            r#"{"users": [{"username": "u", "password": "p", "balance": "12.50"}]}"#,
        )
        .unwrap();
        let fixtures = Fixtures::load(Some(dir.path())).unwrap();
        assert_eq!(fixtures.click2mail.users[0].balance, Cents::new(1250));
        assert_eq!(fixtures.hostway.accounts.len(), 2);
        assert_eq!(fixtures.test_cards.len(), 10);
        let own = dir.path().join(CLICK2MAIL_FILE).display().to_string();
        assert_eq!(fixtures.sources, [own.as_str(), "built-in hostway.json", "built-in test-cards.json"]);
    }

    #[test]
    fn a_byte_order_mark_is_no_part_of_the_json() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CLICK2MAIL_FILE),
            "\u{feff}{\"users\": [{\"username\": \"u\", \"password\": \"p\"}]}",
        )
        .unwrap();
        let fixtures = Fixtures::load(Some(dir.path())).unwrap();
        assert_eq!(fixtures.click2mail.users[0].username, "u");
    }

    #[test]
    fn a_directory_without_any_fixture_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("click2mail.yaml"), "users: []").unwrap();
        let err = Fixtures::load(Some(dir.path())).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "{}: holds none of click2mail.json, hostway.json, test-cards.json; is it the right directory?",
                dir.path().display()
            )
        );
    }

    #[test]
    fn bad_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();

        write(CLICK2MAIL_FILE, r#"{"users": [{"username": "u", "password": "p", "balance": "1e9"}]}"#);
        let err = Fixtures::load(Some(dir.path())).unwrap_err().to_string();
        assert!(err.contains("click2mail.json: balance \"1e9\" must be a decimal number"), "{err}");

        write(CLICK2MAIL_FILE, r#"{"users": []}"#);
        write(
            HOSTWAY_FILE,
            r#"{"accounts": [], "users": [{"username": "u", "password": "p", "roles": {"7": ["x"]}}]}"#,
        );
        let err = Fixtures::load(Some(dir.path())).unwrap_err().to_string();
        assert!(err.ends_with("/hostway.json: user u has a role on account 7, which is not listed"), "{err}");

        write(HOSTWAY_FILE, r#"{"accounts": [{"id": "1"}, {"id": "1"}], "users": []}"#);
        let err = Fixtures::load(Some(dir.path())).unwrap_err().to_string();
        assert!(err.ends_with("/hostway.json: account 1 is listed twice"), "{err}");

        write(
            CLICK2MAIL_FILE,
            r#"{"users": [{"username": "u", "password": "p"}, {"username": "u", "password": "q"}]}"#,
        );
        let err = Fixtures::load(Some(dir.path())).unwrap_err().to_string();
        assert!(err.ends_with("/click2mail.json: user u is listed twice"), "{err}");
        write(CLICK2MAIL_FILE, r#"{"users": []}"#);

        for (file, text, named) in [
            (HOSTWAY_FILE, r#"{"accounts": [{"id": " 1001"}], "users": []}"#, r#"account " 1001""#),
            (HOSTWAY_FILE, r#"{"accounts": [{"id": ".."}], "users": []}"#, r#"account "..""#),
            (HOSTWAY_FILE, r#"{"accounts": [], "users": [{"username": "a b", "password": "p"}]}"#, r#"user "a b""#),
            (CLICK2MAIL_FILE, r#"{"users": [{"username": "a:b", "password": "p"}]}"#, r#"user "a:b""#),
        ] {
            write(file, text);
            let err = Fixtures::load(Some(dir.path())).unwrap_err().to_string();
            assert!(err.ends_with(&format!("/{file}: {named} {}", names::RULE)), "{err}");
            write(file, if file == HOSTWAY_FILE { r#"{"accounts": [], "users": []}"# } else { r#"{"users": []}"# });
        }

        write(HOSTWAY_FILE, r#"{"accounts": [], "users": [], "extra": 1}"#);
        let err = Fixtures::load(Some(dir.path())).unwrap_err().to_string();
        assert!(err.contains("hostway.json: unknown field `extra`"), "{err}");
    }
}
