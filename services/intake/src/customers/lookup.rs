//! Staff lookups (live first, then the synced copy; audited), the sync of an export into the
//! copy, and the confirmation of a registration's complainant (decision 0011).

use chrono::{DateTime, Utc};
use domain::Tenant;
use sha2::{Digest, Sha256};

use super::sql::{self, CaseCustomerRow, RecordRow, SyncRow};
use super::sync::{Mapping, Refused};
use super::{CustomerRecord, Identifier, IdentifierKind, Live, Match, Source};
use crate::register::{Desk, Prepared};
use crate::store::at;

/// Why a lookup or a sync was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{field}: {message}")]
    Invalid {
        field: String,
        rule: &'static str,
        message: String,
    },
    /// No customer system for the tenant and no synced copy.
    #[error("no customer system is configured for this tenant and no copy was synced")]
    NotConfigured,
    /// The system is down and there is no synced copy.
    #[error("the customer system is unavailable and no copy was synced: {0}")]
    Unavailable(String),
    #[error("no such case")]
    CaseNotFound,
    #[error("storage: {0}")]
    Store(#[from] store::Error),
    #[error("encryption: {0}")]
    Cipher(#[from] crate::cipher::Error),
}

fn invalid(field: impl Into<String>, rule: &'static str, message: impl Into<String>) -> Error {
    Error::Invalid {
        field: field.into(),
        rule,
        message: message.into(),
    }
}

/// A staff lookup: what is typed, why, for which case, by whom.
#[derive(Debug, Clone)]
pub struct Lookup {
    pub kind: IdentifierKind,
    pub text: String,
    pub purpose: String,
    pub case_id: Option<String>,
    pub staff: String,
}

/// What a lookup found, and where.
#[derive(Debug, Clone)]
pub struct Found {
    pub source: Source,
    /// Now for the live system; the sync's time for the copy.
    pub as_of: DateTime<Utc>,
    pub live: Live,
    pub customers: Vec<CustomerRecord>,
}

/// A sync's outcome.
#[derive(Debug, Clone)]
pub struct Synced {
    pub sync_id: String,
    pub synced_at: DateTime<Utc>,
    pub rows: u64,
    pub imported: u64,
    pub refused: Vec<Refused>,
    pub customers: u64,
}

/// The longest purpose a lookup states.
pub const MAX_PURPOSE_CHARS: usize = 200;

fn parse_at(text: &str) -> Result<DateTime<Utc>, store::Error> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| store::Error::Corrupt(format!("customer_syncs.synced_at {text}")))
}

impl Desk {
    /// Replaces the tenant's synced copy with a CSV export; each row kept or refused.
    pub async fn sync_customers(
        &self,
        tenant: &Tenant,
        content: &str,
        mapping: &Mapping,
        synced_by: &str,
    ) -> Result<Synced, Error> {
        let now = self.clock.now();
        let read = super::sync::read(content, mapping, now.date_naive()).map_err(|e| Error::Invalid {
            field: e.field,
            rule: e.rule,
            message: e.message,
        })?;
        let mut records = Vec::with_capacity(read.customers.len());
        for customer in &read.customers {
            let id = uuid::Uuid::now_v7().to_string();
            let json = serde_json::to_vec(customer).map_err(|e| store::Error::Corrupt(e.to_string()))?;
            let sealed = self.cipher.encrypt(tenant.as_str(), id.as_bytes(), &json)?;
            let keys = customer
                .identifiers()
                .into_iter()
                .map(|identifier| {
                    let index = self
                        .cipher
                        .blind_index(tenant.as_str(), identifier.kind.purpose(), identifier.value());
                    (identifier.kind.as_str(), index)
                })
                .collect();
            records.push((RecordRow { id, record: sealed }, keys));
        }
        let sync = SyncRow {
            id: uuid::Uuid::now_v7().to_string(),
            tenant: tenant.to_string(),
            synced_at: at(now),
            synced_by: synced_by.to_owned(),
            file_sha256: hex::encode(Sha256::digest(content.as_bytes())),
            rows_read: read.rows as i64,
            rows_imported: read.imported as i64,
            rows_refused: read.refused.len() as i64,
            customers: read.customers.len() as i64,
        };
        let detail = serde_json::json!({"sync_id": sync.id, "rows": read.rows, "imported": read.imported,
            "refused": read.refused.len(), "customers": read.customers.len(), "file_sha256": sync.file_sha256})
        .to_string();
        let mut tx = self.db.begin().await?;
        sql::replace_copy(&mut tx, &sync, &records).await?;
        store::audit::append(
            &mut tx,
            &store::audit::AuditEntry {
                tenant: tenant.as_str(),
                at: now,
                actor: synced_by,
                action: "customers.synced",
                subject: &sync.id,
                detail_json: &detail,
            },
        )
        .await?;
        self.db.commit(tx).await?;
        Ok(Synced {
            sync_id: sync.id,
            synced_at: now,
            rows: read.rows,
            imported: read.imported,
            refused: read.refused,
            customers: read.customers.len() as u64,
        })
    }

    /// The customers of the synced copy an identifier finds, and when the copy was synced
    /// (`None`: never).
    async fn in_synced_copy(
        &self,
        tenant: &Tenant,
        identifier: &Identifier,
    ) -> Result<Option<(DateTime<Utc>, Vec<CustomerRecord>)>, Error> {
        let Some(synced_at) = sql::last_synced_at(self.db.reader(), tenant.as_str()).await? else {
            return Ok(None);
        };
        let index = self
            .cipher
            .blind_index(tenant.as_str(), identifier.kind.purpose(), identifier.value());
        let rows = sql::records_by_key(self.db.reader(), tenant.as_str(), identifier.kind.as_str(), &index).await?;
        let mut customers = Vec::with_capacity(rows.len());
        for row in rows {
            let plain = self.cipher.decrypt(tenant.as_str(), row.id.as_bytes(), &row.record)?;
            let customer: CustomerRecord = serde_json::from_slice(&plain)
                .map_err(|_| store::Error::Corrupt(format!("customer record {}", row.id)))?;
            if customer.answers(identifier) {
                customers.push(customer);
            }
        }
        Ok(Some((parse_at(&synced_at)?, customers)))
    }

    /// Looks a customer up for staff: the live system, else the synced copy; audited whatever
    /// the outcome (never the identifier or what was found).
    pub async fn lookup_customer(&self, tenant: &Tenant, lookup: Lookup) -> Result<Found, Error> {
        let now = self.clock.now();
        let purpose = lookup.purpose.trim();
        if purpose.is_empty() {
            return Err(invalid(
                "purpose",
                "required",
                "purpose says why the customer is looked up",
            ));
        }
        if purpose.chars().count() > MAX_PURPOSE_CHARS {
            return Err(invalid(
                "purpose",
                "max_length",
                format!("purpose must be at most {MAX_PURPOSE_CHARS} characters"),
            ));
        }
        let identifier =
            Identifier::parse(lookup.kind, &lookup.text, now.date_naive()).map_err(|refusal| Error::Invalid {
                field: lookup.kind.as_str().to_owned(),
                rule: refusal.rule,
                message: refusal.message,
            })?;
        let case = match lookup.case_id.as_deref().filter(|c| !c.is_empty()) {
            Some(case_id) => Some(
                crate::store::find_case(self.db.reader(), tenant.as_str(), case_id)
                    .await?
                    .ok_or(Error::CaseNotFound)?,
            ),
            None => None,
        };
        let mut live = Live::NotConfigured;
        let mut outcome = None;
        if let Some((system, attempts, _)) = self.customers.of(tenant.as_str()) {
            match system.lookup(tenant.as_str(), &identifier, attempts).await {
                Ok(customers) => {
                    live = Live::Answered;
                    outcome = Some(Ok(Found {
                        source: Source::Live,
                        as_of: now,
                        live,
                        customers,
                    }));
                }
                Err(unavailable) => {
                    tracing::warn!(reason = %unavailable.0, "the customer system did not answer a lookup");
                    live = Live::Unavailable;
                }
            }
        }
        let outcome = match outcome {
            Some(found) => found,
            None => match self.in_synced_copy(tenant, &identifier).await? {
                Some((as_of, customers)) => Ok(Found {
                    source: Source::Synced,
                    as_of,
                    live,
                    customers,
                }),
                None if live == Live::NotConfigured => Err(Error::NotConfigured),
                None => Err(Error::Unavailable("no copy was synced".into())),
            },
        };
        let case_id = case.as_ref().map(|c| c.id.clone());
        let detail = serde_json::json!({
            "purpose": purpose, "by": identifier.kind.as_str(), "live": live.as_str(), "case_id": case_id,
            "source": outcome.as_ref().ok().map(|f| f.source.as_str()),
            "found": outcome.as_ref().is_ok_and(|f| !f.customers.is_empty()),
            "customers": outcome.as_ref().map_or(0, |f| f.customers.len()),
        })
        .to_string();
        let mut tx = self.db.begin().await?;
        store::audit::append(
            &mut tx,
            &store::audit::AuditEntry {
                tenant: tenant.as_str(),
                at: now,
                actor: &lookup.staff,
                action: "customer.looked_up",
                subject: case_id.as_deref().unwrap_or_default(),
                detail_json: &detail,
            },
        )
        .await?;
        if let Some(case) = &case {
            let case_uuid =
                domain::CaseId::parse(&case.id).ok_or_else(|| store::Error::Corrupt(format!("case id {}", case.id)))?;
            store::messaging::append_history(
                &mut tx,
                &[store::HistoryEntry {
                    tenant: tenant.to_string(),
                    case_id: case_uuid.0,
                    at: now,
                    action: "customer_looked_up".into(),
                    actor: lookup.staff.clone(),
                    detail_json: detail.clone(),
                }],
            )
            .await?;
        }
        self.db.commit(tx).await?;
        outcome
    }

    /// Confirms a registration's complainant against the customer system before it is written:
    /// one short live attempt per identifier, else the synced copy. Never fails the
    /// registration: a store or system failure leaves it unconfirmed.
    pub(crate) async fn confirm_customer(&self, prepared: &mut Prepared) {
        let tenant = prepared.tenant.clone();
        let asked = std::mem::take(&mut prepared.customer.asked);
        for identifier in &asked {
            let live = match self.customers.of(tenant.as_str()) {
                Some((system, _, attempts)) => system.lookup(tenant.as_str(), identifier, attempts).await.ok(),
                None => None,
            };
            let (source, customers) = match live {
                Some(customers) => (Source::Live, customers),
                None => match self.in_synced_copy(&tenant, identifier).await {
                    Ok(Some((_, customers))) => (Source::Synced, customers),
                    Ok(None) => continue,
                    Err(error) => {
                        tracing::warn!(%error, "the synced customers could not be read; the case stays unconfirmed");
                        continue;
                    }
                },
            };
            if let Some(record) = customers.first() {
                let matched = Match::of(record, identifier, source);
                let refs = &mut prepared.complaint.refs;
                if refs.account_unit.is_none() {
                    refs.account_unit = matched.branch.clone().or_else(|| matched.store.clone());
                }
                if refs.customer_tier.is_none() {
                    refs.customer_tier = matched.tier.clone();
                }
                prepared.customer.matched = Some(matched);
                break;
            }
        }
        prepared.customer.asked = asked;
    }
}

/// Writes the customer a registration confirmed, in its transaction.
pub(crate) async fn write_match(conn: &mut store::Conn, prepared: &Prepared) -> Result<(), store::Error> {
    let Some(matched) = &prepared.customer.matched else {
        return Ok(());
    };
    sql::insert_case_customer(
        conn,
        &CaseCustomerRow {
            case_id: prepared.row.id.clone(),
            tenant: prepared.tenant.to_string(),
            matched_by: matched.by.as_str().to_owned(),
            source: matched.source.as_str().to_owned(),
            customer_id: matched.customer_id.clone(),
            store: matched.store.clone(),
            salesperson: matched.salesperson.clone(),
            branch: matched.branch.clone(),
            confirmed_at: at(prepared.now),
        },
    )
    .await
}

/// The timeline entry of a confirmed customer (references only).
pub(crate) fn confirmed_detail(matched: &Match) -> serde_json::Value {
    serde_json::json!({"by": matched.by.as_str(), "source": matched.source.as_str(), "customer_id": matched.customer_id,
        "store": matched.store, "salesperson": matched.salesperson, "branch": matched.branch})
}
