//! Investigation's copy of each tenant's organisation directory (decision 0004): routing publishes
//! the whole directory in `organisation.published`, the [`DirectoryHandler`] keeps the newest
//! version in `directories`, and the casework and the timers ask [`Directories::get`] who a member
//! of staff is, who manages them and who heads a unit, without asking routing. A tenant that has
//! published nothing has the provisional directory (head office alone), as in routing.
//!
//! Replicas: only the replica that applies the event learns of it at once; every other replica
//! reads the stored version again when its copy is older than [`FRESH_FOR`], so a new directory
//! reaches every replica within that long after investigation has stored it.
//!
//! Investigation's consumer runs one handler; [`WithDirectory`] lets the [`DirectoryHandler`]
//! ride along the service's main handler on the same durable consumer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bus::Envelope;
use bus::consumer::{Batch, Handler, HandlerError};
use directory::{Org, OrgDocument};
use prost::Message as _;
use rpc::events::v1::DocumentPublished;
use sqlx::Row;
use store::{Db, Error};

/// How long a copy is used before the stored version is read again.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

/// The event routing emits when a tenant publishes a document.
const ORGANISATION_PUBLISHED: &str = "organisation.published";

/// The version a tenant's provisional directory counts as: below every published one.
const PROVISIONAL: i64 = 0;

struct Kept {
    version: i64,
    org: Arc<Org>,
    read_at: Instant,
}

/// The tenants' directories as the casework and the timers see them.
pub struct Directories {
    db: Db,
    copies: Mutex<HashMap<String, Kept>>,
}

impl Directories {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            copies: Mutex::new(HashMap::new()),
        }
    }

    /// The copies; a panic elsewhere while holding the lock leaves nothing half-written (each
    /// write replaces one whole entry), so a poisoned lock is used as it is.
    fn copies(&self) -> MutexGuard<'_, HashMap<String, Kept>> {
        self.copies.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The tenant's directory in force: the newest version published that investigation holds,
    /// else the provisional one (head office alone).
    pub async fn get(&self, tenant: &str) -> Result<Arc<Org>, Error> {
        let known = {
            let copies = self.copies();
            match copies.get(tenant) {
                Some(copy) if copy.read_at.elapsed() < FRESH_FOR => return Ok(copy.org.clone()),
                Some(copy) => Some(copy.version),
                None => None,
            }
        };
        let stored: Option<i64> = sqlx::query_scalar("SELECT version FROM directories WHERE tenant = $1")
            .bind(tenant)
            .fetch_optional(self.db.reader())
            .await?;
        match stored {
            None => {
                let org = OrgDocument::provisional(None)
                    .build()
                    .map_err(|e| Error::Corrupt(format!("the provisional directory: {e}")))?;
                Ok(self.remember(tenant, PROVISIONAL, Arc::new(org)))
            }
            Some(version) if Some(version) == known => {
                let kept = {
                    let mut copies = self.copies();
                    copies.get_mut(tenant).map(|copy| {
                        // A copy replaced meanwhile is newer still (versions only go up).
                        if copy.version == version {
                            copy.read_at = Instant::now();
                        }
                        copy.org.clone()
                    })
                };
                match kept {
                    Some(org) => Ok(org),
                    None => self.read(tenant).await,
                }
            }
            Some(_) => self.read(tenant).await,
        }
    }

    /// Reads, builds and remembers the stored directory of a tenant.
    async fn read(&self, tenant: &str) -> Result<Arc<Org>, Error> {
        let row = sqlx::query("SELECT version, body_json FROM directories WHERE tenant = $1")
            .bind(tenant)
            .fetch_one(self.db.reader())
            .await?;
        let body: String = row.try_get("body_json")?;
        let org = serde_json::from_str::<OrgDocument>(&body)
            .map_err(|e| e.to_string())
            .and_then(|document| document.build().map_err(|e| e.to_string()))
            .map_err(|e| Error::Corrupt(format!("the stored directory of `{tenant}`: {e}")))?;
        Ok(self.remember(tenant, row.try_get("version")?, Arc::new(org)))
    }

    /// Keeps a version as the tenant's copy unless a newer one is already kept; returns the copy
    /// kept (so a reader that raced a newer event hands out the newer directory).
    fn remember(&self, tenant: &str, version: i64, org: Arc<Org>) -> Arc<Org> {
        let mut copies = self.copies();
        match copies.get_mut(tenant) {
            Some(copy) if copy.version > version => copy.org.clone(),
            _ => {
                copies.insert(
                    tenant.to_owned(),
                    Kept {
                        version,
                        org: org.clone(),
                        read_at: Instant::now(),
                    },
                );
                org
            }
        }
    }
}

/// A directory version to store.
#[derive(Debug)]
pub struct Published {
    version: i64,
    published_at: String,
    body_json: String,
    org: Arc<Org>,
}

/// Reads one `organisation.published` event: the directory it carries, or nothing (logged) when
/// it is another document or its body is not a directory that holds together. Routing checked
/// the body before publishing it, so a body that fails here is one this build cannot read; it is
/// skipped rather than dead-lettered so that the case events behind it on the consumer are not
/// held up, and the tenant keeps its previous directory.
fn published(event: &Envelope) -> Result<Option<Published>, HandlerError> {
    let published = DocumentPublished::decode(event.payload.as_ref())?;
    if published.document != "organisation" {
        tracing::warn!(tenant = %event.tenant, document = %published.document, event_id = %event.event_id,
            "organisation.published carries another document; skipped");
        return Ok(None);
    }
    let built = serde_json::from_str::<OrgDocument>(&published.body_json)
        .map_err(|e| e.to_string())
        .and_then(|document| document.build().map_err(|e| e.to_string()));
    match built {
        Ok(org) => Ok(Some(Published {
            version: i64::from(published.version),
            published_at: published.published_at,
            body_json: published.body_json,
            org: Arc::new(org),
        })),
        Err(error) => {
            tracing::warn!(tenant = %event.tenant, version = published.version, event_id = %event.event_id,
                %error, "a published organisation does not parse; skipped, the previous directory stays");
            Ok(None)
        }
    }
}

/// Stores a version as the tenant's directory unless a newer one is stored; returns whether it
/// was stored. Storing the same version again changes nothing, so it is safe to repeat.
async fn store_published(conn: &mut store::Conn, tenant: &str, published: &Published) -> Result<bool, Error> {
    let changed = sqlx::query(
        "INSERT INTO directories (tenant, version, published_at, body_json) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant) DO UPDATE SET version = excluded.version,
             published_at = excluded.published_at, body_json = excluded.body_json
         WHERE directories.version < excluded.version",
    )
    .bind(tenant)
    .bind(published.version)
    .bind(&published.published_at)
    .bind(&published.body_json)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(changed > 0)
}

/// The consumer of routing's `organisation.published`: keeps the newest directory of each tenant.
pub struct DirectoryHandler {
    pub db: Db,
    pub directories: Arc<Directories>,
}

impl DirectoryHandler {
    /// Stores the directories of a batch in the caller's transaction; returns those stored, to
    /// be remembered once the transaction has committed.
    async fn store(
        conn: &mut store::Conn,
        decided: Vec<(Envelope, Vec<Published>)>,
    ) -> Result<Vec<(String, Published)>, HandlerError> {
        let mut stored = Vec::new();
        for (event, versions) in decided {
            for published in versions {
                // An older version arriving late never replaces a newer one.
                if store_published(conn, &event.tenant, &published).await? {
                    stored.push((event.tenant.clone(), published));
                }
            }
        }
        Ok(stored)
    }

    fn remember(&self, stored: Vec<(String, Published)>) {
        for (tenant, published) in stored {
            self.directories.remember(&tenant, published.version, published.org);
        }
    }
}

#[async_trait]
impl Handler for DirectoryHandler {
    type State = ();
    type Effect = Published;

    fn handles(&self, event: &Envelope) -> bool {
        event.event_type == ORGANISATION_PUBLISHED
    }

    async fn load(&self, _events: &[Envelope]) -> Result<(), HandlerError> {
        Ok(())
    }

    fn decide(&self, _state: &(), event: &Envelope) -> Result<Vec<Published>, HandlerError> {
        Ok(published(event)?.into_iter().collect())
    }

    async fn apply(&self, batch: Batch<Published>) -> Result<(), HandlerError> {
        let mut tx = self.db.begin().await?;
        let stored = Self::store(&mut tx, batch.decided).await?;
        store::messaging::advance_marks(&mut tx, &batch.consumer, &batch.marks).await?;
        self.db.commit(tx).await?;
        self.remember(stored);
        Ok(())
    }
}

/// What [`WithDirectory`] decides for one event.
#[derive(Debug)]
pub enum Either<E> {
    Main(E),
    Directory(Published),
}

/// A service's main handler with the [`DirectoryHandler`] beside it, as the one handler of the
/// service's consumer: `organisation.published` goes to the directory, every other event to
/// `main`, whose `apply` writes the marks of the whole batch.
///
/// The directories of a batch are stored in a transaction of their own just before `main`'s
/// (which commits the marks), not in the same one: `main` opens its own transaction. That keeps
/// the inbox's guarantee because storing a version is idempotent: should `main`'s transaction
/// fail, the batch comes again and storing the same version again changes nothing; a version
/// never replaces a newer one, so nothing goes backwards either.
pub struct WithDirectory<H> {
    pub main: H,
    pub directory: DirectoryHandler,
}

#[async_trait]
impl<H: Handler> Handler for WithDirectory<H> {
    type State = H::State;
    type Effect = Either<H::Effect>;

    fn handles(&self, event: &Envelope) -> bool {
        self.directory.handles(event) || self.main.handles(event)
    }

    async fn load(&self, events: &[Envelope]) -> Result<H::State, HandlerError> {
        let main: Vec<Envelope> = events
            .iter()
            .filter(|e| !self.directory.handles(e) && self.main.handles(e))
            .cloned()
            .collect();
        self.main.load(&main).await
    }

    fn decide(&self, state: &H::State, event: &Envelope) -> Result<Vec<Either<H::Effect>>, HandlerError> {
        if self.directory.handles(event) {
            let effects = self.directory.decide(&(), event)?;
            return Ok(effects.into_iter().map(Either::Directory).collect());
        }
        let effects = self.main.decide(state, event)?;
        Ok(effects.into_iter().map(Either::Main).collect())
    }

    async fn apply(&self, batch: Batch<Either<H::Effect>>) -> Result<(), HandlerError> {
        let mut main = Vec::new();
        let mut directories = Vec::new();
        for (event, effects) in batch.decided {
            if self.directory.handles(&event) {
                let versions = effects
                    .into_iter()
                    .filter_map(|effect| match effect {
                        Either::Directory(published) => Some(published),
                        Either::Main(_) => None,
                    })
                    .collect();
                directories.push((event, versions));
            } else {
                let effects = effects
                    .into_iter()
                    .filter_map(|effect| match effect {
                        Either::Main(effect) => Some(effect),
                        Either::Directory(_) => None,
                    })
                    .collect();
                main.push((event, effects));
            }
        }
        let stored = if directories.is_empty() {
            Vec::new()
        } else {
            let mut tx = self.directory.db.begin().await?;
            let stored = DirectoryHandler::store(&mut tx, directories).await?;
            self.directory.db.commit(tx).await?;
            stored
        };
        self.main
            .apply(Batch {
                consumer: batch.consumer,
                marks: batch.marks,
                decided: main,
            })
            .await?;
        self.directory.remember(stored);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bus::consumer::Mark;
    use bytes::Bytes;
    use chrono::Utc;
    use store::OpenOptions;
    use uuid::Uuid;

    async fn open(dir: &tempfile::TempDir) -> Db {
        let url = format!("sqlite://{}", dir.path().join("investigation.db").display());
        Db::connect(&url, crate::store::MIGRATIONS, OpenOptions::default())
            .await
            .expect("opens")
    }

    /// A directory whose head office has a CRM manager named after the version, so a test can
    /// tell versions apart by asking who heads head office.
    fn body(version: u32) -> String {
        serde_json::json!({
            "units": [{"id": "hq", "kind": "group", "name_zh": "总部", "name_en": "Head office"}],
            "staff": [{"id": format!("crm-{version}"), "unit": "hq", "display_name": "CRM",
                       "roles": ["crm_manager"]}],
        })
        .to_string()
    }

    fn event(tenant: &str, seq: u64, document: &str, version: u32, body_json: String) -> Envelope {
        let payload = DocumentPublished {
            document: document.into(),
            version,
            published_at: format!("2026-11-2{seq}T08:00:00.000000Z"),
            published_by: "admin".into(),
            note: String::new(),
            body_json,
        };
        Envelope {
            event_id: Uuid::now_v7(),
            event_type: ORGANISATION_PUBLISHED.into(),
            schema_version: 1,
            source: "routing".into(),
            tenant: tenant.into(),
            case_id: Uuid::from_u128(0x0d0c),
            source_seq: seq,
            causation_id: None,
            correlation_id: None,
            occurred_at: Utc::now(),
            traceparent: None,
            payload: Bytes::from(payload.encode_to_vec()),
        }
    }

    /// Runs events through a handler as the consumer runtime does: `decide` for those it
    /// handles, then one `apply` with every event's mark.
    async fn consume<H: Handler>(handler: &H, events: Vec<Envelope>) {
        let state = handler.load(&events).await.expect("loads");
        let marks = events
            .iter()
            .map(|e| Mark {
                case_id: e.case_id,
                producer: e.source.clone(),
                seq: e.source_seq,
            })
            .collect();
        let decided = events
            .into_iter()
            .filter(|e| handler.handles(e))
            .map(|e| {
                let effects = handler.decide(&state, &e).expect("decides");
                (e, effects)
            })
            .collect();
        handler
            .apply(Batch {
                consumer: "investigation".into(),
                marks,
                decided,
            })
            .await
            .expect("applies");
    }

    fn heads(org: &Org) -> Vec<String> {
        org.heads("hq").iter().map(|s| s.id.clone()).collect()
    }

    async fn stored_version(db: &Db, tenant: &str) -> Option<i64> {
        sqlx::query_scalar("SELECT version FROM directories WHERE tenant = $1")
            .bind(tenant)
            .fetch_optional(db.reader())
            .await
            .expect("reads")
    }

    #[tokio::test]
    async fn a_tenant_without_a_published_directory_has_the_provisional_one() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let db = open(&dir).await;
        let org = Directories::new(db).get("bank").await.expect("a directory");
        assert_eq!(org.root().id, directory::HEAD_OFFICE);
        assert!(org.heads(directory::HEAD_OFFICE).is_empty());
    }

    #[tokio::test]
    async fn the_newest_version_is_kept_and_an_older_one_arriving_late_never_replaces_it() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let db = open(&dir).await;
        let directories = Arc::new(Directories::new(db.clone()));
        let handler = DirectoryHandler {
            db: db.clone(),
            directories: directories.clone(),
        };
        assert!(heads(&directories.get("bank").await.expect("provisional")).is_empty());
        consume(&handler, vec![event("bank", 1, "organisation", 2, body(2))]).await;
        assert_eq!(
            heads(&directories.get("bank").await.expect("v2")),
            vec!["crm-2"],
            "the replica that applied it knows at once"
        );
        consume(&handler, vec![event("bank", 2, "organisation", 1, body(1))]).await;
        assert_eq!(
            stored_version(&db, "bank").await,
            Some(2),
            "the older version is not stored"
        );
        assert_eq!(heads(&directories.get("bank").await.expect("v2")), vec!["crm-2"]);
        consume(&handler, vec![event("bank", 3, "organisation", 2, body(2))]).await;
        assert_eq!(
            stored_version(&db, "bank").await,
            Some(2),
            "the same version again changes nothing"
        );
        // Another replica, whose copy is cold, reads the stored version.
        let other = Directories::new(db.clone());
        assert_eq!(heads(&other.get("bank").await.expect("v2")), vec!["crm-2"]);
        assert!(
            heads(&other.get("dealer").await.expect("provisional")).is_empty(),
            "tenants are apart"
        );
        let marks: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM inbox_marks WHERE consumer = 'investigation'")
            .fetch_one(db.reader())
            .await
            .expect("reads");
        assert_eq!(marks, 3, "the marks advance with the directories");
    }

    #[tokio::test]
    async fn another_replica_sees_a_new_version_once_its_copy_is_older_than_fresh_for() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let db = open(&dir).await;
        let applying = DirectoryHandler {
            db: db.clone(),
            directories: Arc::new(Directories::new(db.clone())),
        };
        let other = Directories::new(db.clone());
        consume(&applying, vec![event("bank", 1, "organisation", 1, body(1))]).await;
        assert_eq!(heads(&other.get("bank").await.expect("v1")), vec!["crm-1"]);
        consume(&applying, vec![event("bank", 2, "organisation", 2, body(2))]).await;
        assert_eq!(
            heads(&other.get("bank").await.expect("v1")),
            vec!["crm-1"],
            "its copy is still fresh"
        );
        tokio::time::sleep(FRESH_FOR + Duration::from_millis(50)).await;
        assert_eq!(heads(&other.get("bank").await.expect("v2")), vec!["crm-2"]);
    }

    #[tokio::test]
    async fn a_body_that_does_not_parse_or_another_document_is_skipped_and_the_marks_still_move() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let db = open(&dir).await;
        let directories = Arc::new(Directories::new(db.clone()));
        let handler = DirectoryHandler {
            db: db.clone(),
            directories: directories.clone(),
        };
        consume(&handler, vec![event("bank", 1, "organisation", 1, body(1))]).await;
        let unknown_parent = serde_json::json!({"units": [
            {"id": "hq", "kind": "group", "name_zh": "总部", "name_en": "HQ"},
            {"id": "b1", "kind": "branch", "parent": "nowhere", "name_zh": "一", "name_en": "One"}]})
        .to_string();
        for (seq, document, version, body_json) in [
            (2, "organisation", 2, "not json".to_owned()),
            (3, "organisation", 3, unknown_parent),
            (4, "rules", 4, body(4)),
        ] {
            let event = event("bank", seq, document, version, body_json);
            assert!(handler.decide(&(), &event).expect("not an error").is_empty());
            consume(&handler, vec![event]).await;
        }
        assert_eq!(
            stored_version(&db, "bank").await,
            Some(1),
            "the previous directory stays"
        );
        assert_eq!(heads(&directories.get("bank").await.expect("v1")), vec!["crm-1"]);
        let mark: i64 = sqlx::query_scalar("SELECT seq FROM inbox_marks WHERE consumer = 'investigation'")
            .fetch_one(db.reader())
            .await
            .expect("reads");
        assert_eq!(mark, 4);
    }

    /// A main handler that records the case events it is given, in its own table-free way: it
    /// writes only the marks, as a service's handler does besides its effects.
    struct Recording {
        db: Db,
        seen: Mutex<Vec<String>>,
    }

    #[async_trait]
    impl Handler for Recording {
        type State = usize;
        type Effect = String;

        fn handles(&self, event: &Envelope) -> bool {
            event.event_type.starts_with("case.")
        }

        async fn load(&self, events: &[Envelope]) -> Result<usize, HandlerError> {
            assert!(events.iter().all(|e| self.handles(e)), "only its own events are loaded");
            Ok(events.len())
        }

        fn decide(&self, loaded: &usize, event: &Envelope) -> Result<Vec<String>, HandlerError> {
            Ok(vec![format!("{} of {loaded}", event.event_type)])
        }

        async fn apply(&self, batch: Batch<String>) -> Result<(), HandlerError> {
            let mut tx = self.db.begin().await?;
            store::messaging::advance_marks(&mut tx, &batch.consumer, &batch.marks).await?;
            self.db.commit(tx).await?;
            let mut seen = self.seen.lock().expect("seen");
            seen.extend(batch.decided.into_iter().flat_map(|(_, effects)| effects));
            Ok(())
        }
    }

    #[tokio::test]
    async fn beside_the_main_handler_each_event_goes_to_its_own_and_the_main_one_writes_every_mark() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let db = open(&dir).await;
        let directories = Arc::new(Directories::new(db.clone()));
        let handler = WithDirectory {
            main: Recording {
                db: db.clone(),
                seen: Mutex::new(Vec::new()),
            },
            directory: DirectoryHandler {
                db: db.clone(),
                directories: directories.clone(),
            },
        };
        let mut dispatched = event("bank", 1, "organisation", 1, String::new());
        dispatched.event_type = "case.dispatched".into();
        dispatched.case_id = Uuid::now_v7();
        let mut ignored = event("bank", 1, "organisation", 1, String::new());
        ignored.event_type = "batch.alerted".into();
        ignored.case_id = Uuid::now_v7();
        let published = event("bank", 1, "organisation", 5, body(5));
        assert!(!handler.handles(&ignored));
        consume(&handler, vec![dispatched, published, ignored]).await;
        assert_eq!(
            *handler.main.seen.lock().expect("seen"),
            vec!["case.dispatched of 1"],
            "the main handler loads and decides its events only"
        );
        assert_eq!(stored_version(&db, "bank").await, Some(5));
        assert_eq!(heads(&directories.get("bank").await.expect("v5")), vec!["crm-5"]);
        let marks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inbox_marks WHERE consumer = 'investigation'")
            .fetch_one(db.reader())
            .await
            .expect("reads");
        assert_eq!(marks, 3, "every event's mark, handled or not");
    }
}
