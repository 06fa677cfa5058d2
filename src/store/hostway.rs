//! Hostway accounts, users and their roles.

use sqlx::SqliteConnection;

use crate::fixtures::HostwayFixtures;

pub(super) async fn insert_fixtures(
    conn: &mut SqliteConnection,
    fixtures: &HostwayFixtures,
    now: &str,
) -> Result<(), sqlx::Error> {
    for account in &fixtures.accounts {
        sqlx::query("INSERT INTO hostway_accounts (id, allow_offline, created_at) VALUES (?1, ?2, ?3)")
            .bind(&account.id)
            .bind(account.allow_offline)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    for user in &fixtures.users {
        sqlx::query(
            "INSERT INTO hostway_users (username, password, is_sales_agent, created_at) VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(&user.username)
        .bind(&user.password)
        .bind(user.sales_agent)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        for (account_id, roles) in &user.roles {
            for role in roles {
                sqlx::query("INSERT INTO hostway_user_roles (username, account_id, role) VALUES (?1, ?2, ?3)")
                    .bind(&user.username)
                    .bind(account_id)
                    .bind(role)
                    .execute(&mut *conn)
                    .await?;
            }
        }
    }
    Ok(())
}
