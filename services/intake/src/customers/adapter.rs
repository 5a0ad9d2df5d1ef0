//! The customers' gRPC adapters (decision 0011): convert, call the desk, convert back; errors
//! map in [`status_of`]. `grpc.rs` delegates `LookupCustomer` and `SyncCustomers` here.

use domain::ErrorCode;
use rpc::intake::v1::{
    CustomerAccount, CustomerOrder, CustomerVehicle, LookupCustomerReply, LookupCustomerRequest, MaskedCustomer,
    RefusedRow, SyncCustomersReply, SyncCustomersRequest,
};
use runtime::grpc::{internal, status, tenant_of};
use tonic::{Request, Response, Status};

use super::IdentifierKind;
use super::lookup::{Error, Lookup};
use super::sync::Mapping;
use crate::register::Desk;

/// A lookup's or a sync's refusal as gRPC carries it.
pub fn status_of(error: Error) -> Status {
    match error {
        Error::Invalid { field, rule, message } => runtime::grpc::invalid(&field, rule, message),
        Error::CaseNotFound => status(ErrorCode::NotFound, "not_found", "no such case", Some("case_id")),
        Error::NotConfigured => runtime::grpc::conflict(
            "not_configured",
            "no customer system is configured for this tenant and no copy was synced",
            None,
        ),
        Error::Unavailable(_) => status(
            ErrorCode::Unavailable,
            "customer_system_unavailable",
            "the customer system is unavailable and no copy was synced",
            None,
        ),
        other => internal(other),
    }
}

fn text(value: Option<String>) -> String {
    value.unwrap_or_default()
}

fn masked(customer: super::MaskedCustomer) -> MaskedCustomer {
    MaskedCustomer {
        customer_id: customer.customer_id,
        name: text(customer.name),
        phone: text(customer.phone),
        id_number: text(customer.id_number),
        tier: text(customer.tier),
        home_branch: text(customer.home_branch),
        vehicles: customer
            .vehicles
            .into_iter()
            .map(|v| CustomerVehicle {
                vin: text(v.vin),
                plate: text(v.plate),
                model: text(v.model),
                delivery_date: text(v.delivery_date),
                store: text(v.store),
                salesperson: text(v.salesperson),
            })
            .collect(),
        orders: customer
            .orders
            .into_iter()
            .map(|o| CustomerOrder {
                number: o.number,
                kind: text(o.kind),
                date: text(o.date),
                store: text(o.store),
                amount_fen: o.amount_fen.and_then(|a| i64::try_from(a).ok()).unwrap_or(-1),
            })
            .collect(),
        accounts: customer
            .accounts
            .into_iter()
            .map(|a| CustomerAccount {
                number: a.number,
                kind: text(a.kind),
            })
            .collect(),
    }
}

/// `LookupCustomer`.
pub async fn lookup_customer(
    desk: &Desk,
    request: Request<LookupCustomerRequest>,
) -> Result<Response<LookupCustomerReply>, Status> {
    let tenant = tenant_of(&request)?;
    let request = request.into_inner();
    let kind = IdentifierKind::ALL
        .into_iter()
        .find(|kind| kind.as_str() == request.by)
        .ok_or_else(|| runtime::grpc::invalid("by", "one_of", "by is one of: phone, vin, customer_id, id_number"))?;
    if request.staff.is_empty() {
        return Err(runtime::grpc::invalid("staff", "required", "staff names who looks up"));
    }
    let found = desk
        .lookup_customer(
            &tenant,
            Lookup {
                kind,
                text: request.value,
                purpose: request.purpose,
                case_id: Some(request.case_id).filter(|c| !c.is_empty()),
                staff: request.staff,
            },
        )
        .await
        .map_err(status_of)?;
    Ok(Response::new(LookupCustomerReply {
        source: found.source.as_str().to_owned(),
        as_of: found.as_of.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        live: found.live.as_str().to_owned(),
        customers: found.customers.iter().map(|c| masked(c.masked())).collect(),
    }))
}

/// `SyncCustomers`.
pub async fn sync_customers(
    desk: &Desk,
    request: Request<SyncCustomersRequest>,
) -> Result<Response<SyncCustomersReply>, Status> {
    let tenant = tenant_of(&request)?;
    let request = request.into_inner();
    if request.staff.is_empty() {
        return Err(runtime::grpc::invalid("staff", "required", "staff names who syncs"));
    }
    let m = request.mapping.unwrap_or_default();
    let mapping = Mapping {
        customer_id: m.customer_id,
        name: m.name,
        phone: m.phone,
        id_number: m.id_number,
        tier: m.tier,
        home_branch: m.home_branch,
        vin: m.vin,
        plate: m.plate,
        model: m.model,
        delivery_date: m.delivery_date,
        store: m.store,
        salesperson: m.salesperson,
        order_number: m.order_number,
        order_kind: m.order_kind,
        order_date: m.order_date,
        order_store: m.order_store,
        amount: m.amount,
        account: m.account,
        account_kind: m.account_kind,
        date_format: m.date_format,
    };
    let synced = desk
        .sync_customers(&tenant, &request.content, &mapping, &request.staff)
        .await
        .map_err(status_of)?;
    Ok(Response::new(SyncCustomersReply {
        sync_id: synced.sync_id,
        synced_at: synced.synced_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        rows: synced.rows,
        imported: synced.imported,
        refused: synced
            .refused
            .into_iter()
            .map(|r| RefusedRow {
                row: r.row,
                field: r.field,
                reason: r.reason,
            })
            .collect(),
        customers: synced.customers,
    }))
}
