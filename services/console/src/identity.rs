//! Credentials: the administrator token and API keys, stored as SHA-256 hashes.

use sha2::{Digest, Sha256};
use store::{Db, Error, Migration};

/// The console's migrations.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 100,
        name: "console",
        sqlite: include_str!("../migrations/sqlite/0100_console.sql"),
        postgres: include_str!("../migrations/postgres/0100_console.sql"),
    },
    Migration {
        version: 101,
        name: "staff_credentials",
        sqlite: include_str!("../migrations/sqlite/0101_staff_credentials.sql"),
        postgres: include_str!("../migrations/postgres/0101_staff_credentials.sql"),
    },
];

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The credential's id; `public` for the unauthenticated web form.
    pub credential_id: String,
    pub tenant: String,
    /// `admin`, `staff`, `integration` or `public`.
    pub role: String,
    /// The member of staff a `staff` credential belongs to (a directory id).
    pub staff: Option<String>,
}

impl Caller {
    /// The public web form of a tenant.
    pub fn public(tenant: &str) -> Self {
        Self {
            credential_id: "public".into(),
            tenant: tenant.to_owned(),
            role: "public".into(),
            staff: None,
        }
    }

    /// Whether rate limits apply.
    pub fn is_admin(&self) -> bool {
        self.role == "admin"
    }
}

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether a token is acceptable as an administrator token: 16 or more printable ASCII characters.
pub fn is_valid_admin_token(token: &str) -> bool {
    token.len() >= 16 && token.bytes().all(|b| b.is_ascii_graphic())
}

/// A fresh random token (43 URL-safe characters).
pub fn new_token() -> String {
    use rand::TryRngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .unwrap_or_else(|_| std::process::abort());
    hex::encode(bytes)
}

/// Makes `token` the administrator credential of the `default` tenant, replacing any earlier one.
pub async fn set_admin_token(db: &Db, token: &str, now: &str) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM credentials WHERE id = 'admin'")
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO credentials (id, tenant, role, token_sha256, created_at) VALUES ('admin', 'default', 'admin', $1, $2)")
        .bind(digest(token))
        .bind(now)
        .execute(&mut *tx)
        .await?;
    db.commit(tx).await
}

/// Whether an administrator credential exists.
pub async fn has_admin(db: &Db) -> Result<bool, Error> {
    let found: Option<String> = sqlx::query_scalar("SELECT id FROM credentials WHERE id = 'admin'")
        .fetch_optional(db.reader())
        .await?;
    Ok(found.is_some())
}

/// The caller a bearer token belongs to.
pub async fn authenticate(db: &Db, token: &str) -> Result<Option<Caller>, Error> {
    let row: Option<(String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, tenant, role, staff FROM credentials WHERE token_sha256 = $1 AND revoked_at IS NULL",
    )
    .bind(digest(token))
    .fetch_optional(db.reader())
    .await?;
    Ok(row.map(|(credential_id, tenant, role, staff)| Caller {
        credential_id,
        tenant,
        role,
        staff,
    }))
}

/// Issues a credential for a member of staff of `tenant`: its id and the token, shown once. An
/// earlier credential of the same member is revoked.
pub async fn issue_staff_credential(db: &Db, tenant: &str, staff: &str, now: &str) -> Result<(String, String), Error> {
    let token = new_token();
    let id = format!("staff-{}", uuid::Uuid::now_v7());
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE credentials SET revoked_at = $1 WHERE tenant = $2 AND staff = $3 AND revoked_at IS NULL")
        .bind(now)
        .bind(tenant)
        .bind(staff)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO credentials (id, tenant, role, token_sha256, created_at, staff) VALUES ($1, $2, 'staff', $3, $4, $5)",
    )
    .bind(&id)
    .bind(tenant)
    .bind(digest(&token))
    .bind(now)
    .bind(staff)
    .execute(&mut *tx)
    .await?;
    db.commit(tx).await?;
    Ok((id, token))
}
