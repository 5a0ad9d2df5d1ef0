//! Intake's copy of each tenant's category catalog (decision 0003): routing publishes the whole
//! tree in `catalog.published`, the [`CatalogHandler`] keeps the newest version in `catalogs`,
//! and registration checks `category_code` and classifies free text against it without asking
//! routing. A tenant that has published nothing has the starter tree of every sector, the same
//! one routing shows before a first publication.
//!
//! Replicas: only the replica that applies the event learns of it at once; every other replica
//! reads the stored version again when its copy is older than [`FRESH_FOR`], so a new catalog
//! reaches every registration within that long after intake has stored it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bus::Envelope;
use bus::consumer::{Batch, Handler, HandlerError};
use catalog::Catalog;
use domain::Tenant;
use prost::Message as _;
use rpc::events::v1::DocumentPublished;
use sqlx::Row;
use store::{Db, Error};

/// How long a copy is used before the stored version is read again.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

struct Copy {
    version: i64,
    catalog: Arc<Catalog>,
    read_at: Instant,
}

/// The tenants' catalogs as registration sees them.
pub struct Catalogs {
    db: Db,
    copies: Mutex<HashMap<String, Copy>>,
}

impl Catalogs {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            copies: Mutex::new(HashMap::new()),
        }
    }

    /// The tenant's catalog in force: the newest published version intake holds, else the starter.
    pub async fn get(&self, tenant: &Tenant) -> Result<Arc<Catalog>, Error> {
        let known = {
            let copies = self.copies.lock().expect("catalog copies");
            match copies.get(tenant.as_str()) {
                Some(copy) if copy.read_at.elapsed() < FRESH_FOR => return Ok(copy.catalog.clone()),
                Some(copy) => Some(copy.version),
                None => None,
            }
        };
        let stored: Option<i64> = sqlx::query_scalar("SELECT version FROM catalogs WHERE tenant = $1")
            .bind(tenant.as_str())
            .fetch_optional(self.db.reader())
            .await?;
        let catalog = match stored {
            None => Catalog::default_starter(),
            Some(version) if Some(version) == known => {
                let mut copies = self.copies.lock().expect("catalog copies");
                let copy = copies.get_mut(tenant.as_str()).expect("a copy was there");
                copy.read_at = Instant::now();
                return Ok(copy.catalog.clone());
            }
            Some(_) => {
                let row = sqlx::query("SELECT version, body_json FROM catalogs WHERE tenant = $1")
                    .bind(tenant.as_str())
                    .fetch_one(self.db.reader())
                    .await?;
                let body: String = row.try_get("body_json")?;
                let catalog = Catalog::from_json(&body)
                    .map_err(|e| Error::Corrupt(format!("the stored catalog of `{tenant}`: {e}")))?;
                let catalog = Arc::new(catalog);
                self.remember(tenant.as_str(), row.try_get("version")?, catalog.clone());
                return Ok(catalog);
            }
        };
        self.remember(tenant.as_str(), 0, catalog.clone());
        Ok(catalog)
    }

    fn remember(&self, tenant: &str, version: i64, catalog: Arc<Catalog>) {
        let mut copies = self.copies.lock().expect("catalog copies");
        copies.insert(
            tenant.to_owned(),
            Copy {
                version,
                catalog,
                read_at: Instant::now(),
            },
        );
    }
}

/// A catalog version to store.
pub struct Published {
    version: i64,
    published_at: String,
    body_json: String,
    catalog: Arc<Catalog>,
}

/// The consumer of routing's events: keeps the newest `catalog.published` of each tenant.
pub struct CatalogHandler {
    pub db: Db,
    pub catalogs: Arc<Catalogs>,
}

#[async_trait]
impl Handler for CatalogHandler {
    type State = ();
    type Effect = Published;

    fn handles(&self, event: &Envelope) -> bool {
        event.event_type == "catalog.published"
    }

    async fn load(&self, _events: &[Envelope]) -> Result<(), HandlerError> {
        Ok(())
    }

    /// A tree this build cannot read (a code set edition it does not ship) fails, and after the
    /// consumer's retries goes to the dead-letter subject rather than being dropped unnoticed.
    fn decide(&self, _state: &(), event: &Envelope) -> Result<Vec<Published>, HandlerError> {
        let published = DocumentPublished::decode(event.payload.as_ref())?;
        let catalog = Catalog::from_json(&published.body_json)?;
        Ok(vec![Published {
            version: i64::from(published.version),
            published_at: published.published_at,
            body_json: published.body_json,
            catalog: Arc::new(catalog),
        }])
    }

    async fn apply(&self, batch: Batch<Published>) -> Result<(), HandlerError> {
        let mut tx = self.db.begin().await?;
        let mut newest = Vec::new();
        for (event, versions) in batch.decided {
            for published in versions {
                // An older version arriving late never replaces a newer one.
                let changed = sqlx::query(
                    "INSERT INTO catalogs (tenant, version, published_at, body_json) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (tenant) DO UPDATE SET version = excluded.version,
                         published_at = excluded.published_at, body_json = excluded.body_json
                     WHERE catalogs.version < excluded.version",
                )
                .bind(&event.tenant)
                .bind(published.version)
                .bind(&published.published_at)
                .bind(&published.body_json)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed > 0 {
                    newest.push((event.tenant.clone(), published.version, published.catalog));
                }
            }
        }
        store::messaging::advance_marks(&mut tx, &batch.consumer, &batch.marks).await?;
        self.db.commit(tx).await?;
        for (tenant, version, catalog) in newest {
            self.catalogs.remember(&tenant, version, catalog);
        }
        Ok(())
    }
}
