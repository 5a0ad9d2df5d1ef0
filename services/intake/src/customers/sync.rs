//! Reading a CSV export of the customer system with a column mapping (decision 0011): a row per
//! line of the export, rows of one customer id merged into one customer; each row kept or
//! refused with its number, the field and the rule — never the value.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::formats;

use super::{Account, CustomerRecord, Order, Refusal, Vehicle};

/// The most bytes one sync takes (a gRPC message carries at most 4 MiB).
pub const MAX_CONTENT_BYTES: usize = 3 * 1024 * 1024;

/// Which column gives which field (CSV headers, matched ignoring case, spaces, `_` and `-`);
/// empty: the export has no such column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping {
    pub customer_id: String,
    pub name: String,
    pub phone: String,
    pub id_number: String,
    pub tier: String,
    pub home_branch: String,
    pub vin: String,
    pub plate: String,
    pub model: String,
    pub delivery_date: String,
    pub store: String,
    pub salesperson: String,
    pub order_number: String,
    pub order_kind: String,
    pub order_date: String,
    pub order_store: String,
    /// Yuan, as `domain::formats::parse_yuan` reads it.
    pub amount: String,
    pub account: String,
    pub account_kind: String,
    /// A chrono date format (`%Y/%m/%d`); `%Y-%m-%d` when empty.
    pub date_format: String,
}

/// A row refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub row: u64,
    pub field: String,
    pub reason: String,
}

/// What a file holds: the customers, the rows kept and refused.
#[derive(Debug, Clone, Default)]
pub struct Read {
    pub rows: u64,
    pub imported: u64,
    pub refused: Vec<Refused>,
    pub customers: Vec<CustomerRecord>,
}

/// A whole sync refused: the field and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    pub field: String,
    pub rule: &'static str,
    pub message: String,
}

fn invalid(field: impl Into<String>, rule: &'static str, message: impl Into<String>) -> Invalid {
    Invalid {
        field: field.into(),
        rule,
        message: message.into(),
    }
}

fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '\u{feff}'))
        .flat_map(char::to_lowercase)
        .collect()
}

impl Mapping {
    fn columns(&self) -> Vec<(&'static str, &str)> {
        [
            ("customer_id", &self.customer_id),
            ("name", &self.name),
            ("phone", &self.phone),
            ("id_number", &self.id_number),
            ("tier", &self.tier),
            ("home_branch", &self.home_branch),
            ("vin", &self.vin),
            ("plate", &self.plate),
            ("model", &self.model),
            ("delivery_date", &self.delivery_date),
            ("store", &self.store),
            ("salesperson", &self.salesperson),
            ("order_number", &self.order_number),
            ("order_kind", &self.order_kind),
            ("order_date", &self.order_date),
            ("order_store", &self.order_store),
            ("amount", &self.amount),
            ("account", &self.account),
            ("account_kind", &self.account_kind),
        ]
        .into_iter()
        .filter(|(_, column)| !column.is_empty())
        .map(|(field, column)| (field, column.as_str()))
        .collect()
    }

    fn date(&self, text: &str) -> Result<String, Refusal> {
        let format = if self.date_format.is_empty() {
            "%Y-%m-%d"
        } else {
            &self.date_format
        };
        NaiveDate::parse_from_str(text, format)
            .map(|day| day.format("%Y-%m-%d").to_string())
            .map_err(|_| Refusal {
                rule: "date_format",
                message: format!("the date does not match the format `{format}`"),
            })
    }
}

/// A row's value of a mapped field (empty cells are absent).
struct Cells<'a> {
    mapping: &'a Mapping,
    headers: &'a [String],
    record: &'a csv::StringRecord,
}

impl Cells<'_> {
    fn get(&self, field: &str) -> Option<String> {
        let column = self
            .mapping
            .columns()
            .into_iter()
            .find(|(name, _)| *name == field)
            .map(|(_, column)| normalise(column))?;
        let at = self.headers.iter().position(|h| *h == column)?;
        self.record
            .get(at)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }
}

/// A directory id (lower case), or the rule broken.
fn directory_id(text: &str) -> Result<String, Refusal> {
    let id = text.trim().to_lowercase();
    if domain::complaint::is_directory_id(&id) {
        Ok(id)
    } else {
        Err(Refusal {
            rule: "directory_id",
            message: "must be a directory id: 1–64 of a-z, 0-9, '-' and '_'".into(),
        })
    }
}

/// One row as a customer with at most one vehicle, order and account.
fn row_record(cells: &Cells<'_>, today: NaiveDate) -> Result<CustomerRecord, (String, Refusal)> {
    fn at(field: &'static str) -> impl Fn(Refusal) -> (String, Refusal) {
        move |refusal| (field.to_owned(), refusal)
    }
    let get = |field: &str| cells.get(field);
    let mapping = cells.mapping;
    let customer_id = super::customer_id(&get("customer_id").unwrap_or_default()).map_err(at("customer_id"))?;
    let name = get("name")
        .map(|n| formats::parse_name(&n).map(|n| n.as_str().to_owned()))
        .transpose()
        .map_err(|e| at("name")(e.into()))?;
    let phone = get("phone")
        .map(|p| formats::parse_phone(&p).map(|p| p.normalized()))
        .transpose()
        .map_err(|e| at("phone")(e.into()))?;
    let id_number = get("id_number")
        .map(|id| super::id_number(&id, today))
        .transpose()
        .map_err(at("id_number"))?;
    let home_branch = get("home_branch")
        .map(|b| directory_id(&b))
        .transpose()
        .map_err(at("home_branch"))?;
    let store = get("store")
        .map(|s| directory_id(&s))
        .transpose()
        .map_err(at("store"))?;
    let salesperson = get("salesperson")
        .map(|s| directory_id(&s))
        .transpose()
        .map_err(at("salesperson"))?;
    let vin = get("vin")
        .map(|v| formats::parse_vin(&v).map(|v| v.as_str().to_owned()))
        .transpose()
        .map_err(|e| at("vin")(e.into()))?;
    let plate = get("plate")
        .map(|p| formats::parse_plate(&p).map(|p| p.as_str().to_owned()))
        .transpose()
        .map_err(|e| at("plate")(e.into()))?;
    let delivery_date = get("delivery_date")
        .map(|d| mapping.date(&d))
        .transpose()
        .map_err(at("delivery_date"))?;
    let mut record = CustomerRecord {
        customer_id,
        name,
        phone,
        id_number,
        tier: get("tier").map(|t| directory_id(&t)).transpose().map_err(at("tier"))?,
        home_branch,
        ..CustomerRecord::default()
    };
    let model = get("model");
    if vin.is_some() || plate.is_some() || model.is_some() {
        record.vehicles.push(Vehicle {
            vin,
            plate,
            model,
            delivery_date,
            store,
            salesperson,
        });
    } else if store.is_some() || salesperson.is_some() || delivery_date.is_some() {
        return Err((
            "vin".to_owned(),
            Refusal {
                rule: "required",
                message: "a vehicle's store, salesperson or delivery date needs its VIN, plate or model".into(),
            },
        ));
    }
    if let Some(number) = get("order_number") {
        record.orders.push(Order {
            number,
            kind: get("order_kind"),
            date: get("order_date")
                .map(|d| mapping.date(&d))
                .transpose()
                .map_err(at("order_date"))?,
            store: get("order_store")
                .map(|s| directory_id(&s))
                .transpose()
                .map_err(at("order_store"))?,
            amount_fen: get("amount")
                .map(|a| formats::parse_yuan(&a).map(|a| a.fen()))
                .transpose()
                .map_err(|e| at("amount")(e.into()))?,
        });
    }
    if let Some(number) = get("account") {
        let digits: String = number.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if !(6..=32).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err((
                "account".to_owned(),
                Refusal {
                    rule: "pattern",
                    message: "an account is 6–32 digits".into(),
                },
            ));
        }
        record.accounts.push(Account {
            number: digits,
            kind: get("account_kind"),
        });
    }
    Ok(record)
}

/// Merges a row into the customer it belongs to; a different name, phone or identity number
/// than an earlier row's is a conflict.
fn merge(into: &mut CustomerRecord, row: CustomerRecord) -> Result<(), (String, Refusal)> {
    let conflict = |field: &str| {
        (
            field.to_owned(),
            Refusal {
                rule: "conflict",
                message: format!("an earlier row gives this customer another {field}"),
            },
        )
    };
    for (field, mine, theirs) in [
        ("name", &mut into.name, row.name),
        ("phone", &mut into.phone, row.phone),
        ("id_number", &mut into.id_number, row.id_number),
        ("tier", &mut into.tier, row.tier),
        ("home_branch", &mut into.home_branch, row.home_branch),
    ] {
        match (mine.as_ref(), theirs) {
            (Some(a), Some(b)) if *a != b => return Err(conflict(field)),
            (None, Some(b)) => *mine = Some(b),
            _ => {}
        }
    }
    for vehicle in row.vehicles {
        if !into.vehicles.contains(&vehicle) {
            into.vehicles.push(vehicle);
        }
    }
    for order in row.orders {
        if !into.orders.contains(&order) {
            into.orders.push(order);
        }
    }
    for account in row.accounts {
        if !into.accounts.contains(&account) {
            into.accounts.push(account);
        }
    }
    Ok(())
}

/// Reads an export: every row kept or refused.
pub fn read(content: &str, mapping: &Mapping, today: NaiveDate) -> Result<Read, Invalid> {
    if content.trim().is_empty() {
        return Err(invalid("content", "required", "content holds the export to sync"));
    }
    if content.len() > MAX_CONTENT_BYTES {
        return Err(invalid(
            "content",
            "max_length",
            format!("content must be at most {MAX_CONTENT_BYTES} bytes"),
        ));
    }
    if mapping.customer_id.is_empty() {
        return Err(invalid(
            "mapping.customer_id",
            "required",
            "mapping.customer_id names the column of the customer's id",
        ));
    }
    if mapping.phone.is_empty() && mapping.vin.is_empty() && mapping.id_number.is_empty() {
        return Err(invalid(
            "mapping.phone",
            "required",
            "map at least one of phone, vin and id_number: what a customer is found by",
        ));
    }
    let content = content.strip_prefix('\u{feff}').unwrap_or(content);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(content.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| invalid("content", "csv", format!("the header row does not read: {e}")))?
        .iter()
        .map(normalise)
        .collect();
    for (field, column) in mapping.columns() {
        if !headers.contains(&normalise(column)) {
            return Err(invalid(
                format!("mapping.{field}"),
                "known_column",
                format!("the file has no column `{column}`"),
            ));
        }
    }
    let mut read = Read::default();
    let mut customers: BTreeMap<String, CustomerRecord> = BTreeMap::new();
    let mut order = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let row = n as u64 + 1;
        read.rows += 1;
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let reason = match error.kind() {
                    csv::ErrorKind::UnequalLengths { len, expected_len, .. } => {
                        format!("the row has {len} fields, the header {expected_len}")
                    }
                    _ => "the row does not read as CSV".to_owned(),
                };
                read.refused.push(Refused {
                    row,
                    field: "row".into(),
                    reason,
                });
                continue;
            }
        };
        let cells = Cells {
            mapping,
            headers: &headers,
            record: &record,
        };
        let outcome = row_record(&cells, today).and_then(|customer| match customers.get_mut(&customer.customer_id) {
            Some(known) => {
                let mut merged = known.clone();
                merge(&mut merged, customer)?;
                *known = merged;
                Ok(())
            }
            None => {
                order.push(customer.customer_id.clone());
                customers.insert(customer.customer_id.clone(), customer);
                Ok(())
            }
        });
        match outcome {
            Ok(()) => read.imported += 1,
            Err((field, refusal)) => read.refused.push(Refused {
                row,
                reason: format!("{field}: {}: {}", refusal.rule, refusal.message),
                field,
            }),
        }
    }
    read.customers = order.into_iter().filter_map(|id| customers.remove(&id)).collect();
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping() -> Mapping {
        Mapping {
            customer_id: "客户编号".into(),
            name: "姓名".into(),
            phone: "手机".into(),
            vin: "VIN".into(),
            delivery_date: "交车日期".into(),
            store: "销售门店".into(),
            salesperson: "销售顾问".into(),
            order_number: "工单号".into(),
            amount: "金额".into(),
            date_format: "%Y/%m/%d".into(),
            ..Mapping::default()
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 8).expect("a date")
    }

    #[test]
    fn rows_of_one_customer_merge_and_bad_rows_are_refused_by_field_and_rule() {
        let csv = "客户编号,姓名,手机,VIN,交车日期,销售门店,销售顾问,工单号,金额\n\
            C1,张伟,138 1234 5678,LSVAU218XN2183294,2025/06/01,gz-tianhe,s-0042,,\n\
            C1,张伟,,,,,,RO-1,\"1,234.50\"\n\
            C2,李娜,13912345678,LSVAU2181N2183294,2025/06/01,gz-tianhe,s-0042,,\n\
            C3,王芳,13712345678,,,,,RO-2,12.345\n\
            C1,张三,,,,,,,\n\
            ,赵六,13612345678,,,,,,\n\
            C4,孙七,13512345678,,2025/06/01,,,,\n\
            C5,周八\n";
        let read = read(csv, &mapping(), today()).expect("read");
        assert_eq!((read.rows, read.imported), (8, 2));
        let refused: Vec<(u64, &str, &str)> = read
            .refused
            .iter()
            .map(|r| (r.row, r.field.as_str(), r.reason.split(':').nth(1).unwrap_or("").trim()))
            .collect();
        assert_eq!(
            refused,
            [
                (3, "vin", "check_digit"),
                (4, "amount", "precision"),
                (5, "name", "conflict"),
                (6, "customer_id", "required"),
                (7, "vin", "required"),
                (8, "row", "")
            ]
        );
        assert!(
            read.refused.iter().all(|r| !r.reason.contains("1391234")),
            "no value in a reason"
        );
        assert_eq!(read.customers.len(), 1);
        let c1 = &read.customers[0];
        assert_eq!(c1.phone.as_deref(), Some("13812345678"));
        assert_eq!(c1.vehicles[0].delivery_date.as_deref(), Some("2025-06-01"));
        assert_eq!(c1.orders[0].amount_fen, Some(123_450));
    }

    #[test]
    fn a_mapping_must_name_columns_the_file_has() {
        let error = read("客户编号,手机\nC1,13812345678\n", &mapping(), today()).expect_err("no 姓名");
        assert_eq!((error.field.as_str(), error.rule), ("mapping.name", "known_column"));
        let error = read(
            "a\n1\n",
            &Mapping {
                customer_id: "a".into(),
                ..Mapping::default()
            },
            today(),
        )
        .expect_err("nothing to find by");
        assert_eq!(error.field, "mapping.phone");
    }
}
