//! The customers' SQL (decision 0011): every statement on `customer_syncs`, `customer_records`,
//! `customer_keys` and `case_customers`.

use store::Error;

/// A customer of the synced copy, its record encrypted (associated data: `id`).
#[derive(Debug, Clone)]
pub struct RecordRow {
    pub id: String,
    pub record: Vec<u8>,
}

/// One sync's facts.
#[derive(Debug, Clone)]
pub struct SyncRow {
    pub id: String,
    pub tenant: String,
    pub synced_at: String,
    pub synced_by: String,
    pub file_sha256: String,
    pub rows_read: i64,
    pub rows_imported: i64,
    pub rows_refused: i64,
    pub customers: i64,
}

/// A confirmed customer of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseCustomerRow {
    pub case_id: String,
    pub tenant: String,
    pub matched_by: String,
    pub source: String,
    pub customer_id: String,
    pub store: Option<String>,
    pub salesperson: Option<String>,
    pub branch: Option<String>,
    pub confirmed_at: String,
}

/// Replaces the tenant's copy: the customers and what they are found by, and the sync's facts.
pub async fn replace_copy(
    conn: &mut store::Conn,
    sync: &SyncRow,
    records: &[(RecordRow, Vec<(&'static str, String)>)],
) -> Result<(), Error> {
    sqlx::query("DELETE FROM customer_keys WHERE tenant = $1")
        .bind(&sync.tenant)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM customer_records WHERE tenant = $1")
        .bind(&sync.tenant)
        .execute(&mut *conn)
        .await?;
    for (record, keys) in records {
        sqlx::query("INSERT INTO customer_records (id, tenant, sync_id, record) VALUES ($1, $2, $3, $4)")
            .bind(&record.id)
            .bind(&sync.tenant)
            .bind(&sync.id)
            .bind(&record.record)
            .execute(&mut *conn)
            .await?;
        for (kind, index) in keys {
            sqlx::query("INSERT INTO customer_keys (tenant, kind, key_index, record_id) VALUES ($1, $2, $3, $4)")
                .bind(&sync.tenant)
                .bind(*kind)
                .bind(index)
                .bind(&record.id)
                .execute(&mut *conn)
                .await?;
        }
    }
    sqlx::query(
        "INSERT INTO customer_syncs (id, tenant, synced_at, synced_by, file_sha256, rows_read, rows_imported,
            rows_refused, customers) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&sync.id)
    .bind(&sync.tenant)
    .bind(&sync.synced_at)
    .bind(&sync.synced_by)
    .bind(&sync.file_sha256)
    .bind(sync.rows_read)
    .bind(sync.rows_imported)
    .bind(sync.rows_refused)
    .bind(sync.customers)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// When the tenant's copy was last synced, if ever.
pub async fn last_synced_at(pool: &sqlx::AnyPool, tenant: &str) -> Result<Option<String>, Error> {
    Ok(
        sqlx::query_scalar("SELECT MAX(synced_at) FROM customer_syncs WHERE tenant = $1")
            .bind(tenant)
            .fetch_one(pool)
            .await?,
    )
}

/// The customers of the copy one blind index finds.
pub async fn records_by_key(
    pool: &sqlx::AnyPool,
    tenant: &str,
    kind: &str,
    index: &str,
) -> Result<Vec<RecordRow>, Error> {
    let rows: Vec<(String, Vec<u8>)> = sqlx::query_as(
        "SELECT r.id, r.record FROM customer_keys k JOIN customer_records r ON r.id = k.record_id
         WHERE k.tenant = $1 AND k.kind = $2 AND k.key_index = $3 ORDER BY r.id LIMIT 20",
    )
    .bind(tenant)
    .bind(kind)
    .bind(index)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(id, record)| RecordRow { id, record }).collect())
}

/// Records the customer a registration confirmed.
pub async fn insert_case_customer(conn: &mut store::Conn, row: &CaseCustomerRow) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO case_customers (case_id, tenant, matched_by, source, customer_id, store, salesperson, branch,
            confirmed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&row.case_id)
    .bind(&row.tenant)
    .bind(&row.matched_by)
    .bind(&row.source)
    .bind(&row.customer_id)
    .bind(&row.store)
    .bind(&row.salesperson)
    .bind(&row.branch)
    .bind(&row.confirmed_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The customer a case's registration confirmed, if any.
pub async fn case_customer(
    pool: &sqlx::AnyPool,
    tenant: &str,
    case_id: &str,
) -> Result<Option<CaseCustomerRow>, Error> {
    type Row = (
        String,
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT case_id, tenant, matched_by, source, customer_id, store, salesperson, branch, confirmed_at
         FROM case_customers WHERE tenant = $1 AND case_id = $2",
    )
    .bind(tenant)
    .bind(case_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(
        |(case_id, tenant, matched_by, source, customer_id, store, salesperson, branch, confirmed_at)| {
            CaseCustomerRow {
                case_id,
                tenant,
                matched_by,
                source,
                customer_id,
                store,
                salesperson,
                branch,
                confirmed_at,
            }
        },
    ))
}
