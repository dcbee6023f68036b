//! 痕迹档案 — `auditLog`: who changed what, when, with the values before and after.
use super::context::ContextExt;
use super::errors::{OrApiError, bad_input, internal};
use super::node::{decode, global_id};
use super::pagination::{ConnectionOf, connection, cost, page_request};
use super::scalars::DateTime;
use crate::domain::audit::AuditAction;
use crate::service::audit::{self as svc, AuditFilter as SvcFilter};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::audit_entry;

pub struct AuditEntry(pub audit_entry::Model);

/// 痕迹档案 — one change, as it was recorded in the transaction that made it.
#[Object]
impl AuditEntry {
    /// The entry's opaque global ID; `node(id:)` fetches it.
    pub async fn id(&self) -> ID {
        global_id("AuditEntry", self.0.id)
    }
    /// When the change was made (its transaction's time).
    async fn occurred_at(&self) -> DateTime {
        DateTime(self.0.occurred_at)
    }
    /// The user who made the change (`system` for the command-line tools).
    async fn actor_username(&self) -> &str {
        &self.0.actor_username
    }
    /// The role the user had then: `ADMIN`, `COORDINATOR`, `FINANCE`, `DEPARTMENT`,
    /// `TOWNSHIP` or `INSPECTOR` (`ADMIN` for the command-line tools).
    async fn actor_role(&self) -> &str {
        &self.0.actor_role
    }
    /// What was done.
    async fn action(&self) -> async_graphql::Result<AuditAction> {
        AuditAction::parse(&self.0.action).ok_or_else(|| internal(format!("unknown audit action {}", self.0.action)))
    }
    /// The kind of object changed: `Project`, `ProgressReport`, `LedgerEntry`, `FundLine`,
    /// `AnnualPlan`, `Region`, `Department` or `User`.
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    /// The global ID of the object changed; `node(id:)` fetches it while it exists.
    async fn entity_id(&self) -> ID {
        global_id(&self.0.entity_type, &self.0.entity_id)
    }
    /// The object's values before the change, as JSON text in the API's terms: field names
    /// as the API spells them, references as global IDs, money in yuan and quantities in
    /// the sector's unit as decimal strings; null for a creation.
    async fn before(&self) -> Option<String> {
        self.values(self.0.before.as_deref()).map(|v| v.to_string())
    }
    /// The object's values after the change, as JSON text like `before`; null for a
    /// deletion.
    async fn after(&self) -> Option<String> {
        self.values(self.0.after.as_deref()).map(|v| v.to_string())
    }
    /// The fields the change altered, each with its value before and after (a creation
    /// lists every field with a null `before`, a deletion every field with a null `after`).
    async fn changes(&self) -> Vec<AuditChange> {
        let before = self.values(self.0.before.as_deref());
        let after = self.values(self.0.after.as_deref());
        changes(before.as_ref(), after.as_ref())
    }
}

impl AuditEntry {
    fn values(&self, stored: Option<&str>) -> Option<serde_json::Value> {
        let stored: serde_json::Value = serde_json::from_str(stored?).ok()?;
        Some(api_values(&self.0.entity_type, stored))
    }
}

/// 变更项 — one field a change altered.
#[derive(SimpleObject, Debug, PartialEq)]
pub struct AuditChange {
    /// The field as the API names it (`budget`, `department`, `beneficiaries.poorHouseholds`).
    pub field: String,
    /// Its value before, as JSON text (`"1200000.00"`, `null`); null when the object did not
    /// exist yet.
    pub before: Option<String>,
    /// Its value after, as JSON text; null when the object was deleted.
    pub after: Option<String>,
}

/// The fields whose values differ between two objects of API values.
fn changes(before: Option<&serde_json::Value>, after: Option<&serde_json::Value>) -> Vec<AuditChange> {
    let empty = serde_json::Map::new();
    let old = before.and_then(|v| v.as_object());
    let new = after.and_then(|v| v.as_object());
    let names = old.unwrap_or(&empty).keys().chain(new.unwrap_or(&empty).keys());
    let mut seen = std::collections::HashSet::new();
    names
        .filter(|name| seen.insert(*name))
        .filter_map(|name| {
            let was = old.map(|o| o.get(name).unwrap_or(&serde_json::Value::Null));
            let is = new.map(|n| n.get(name).unwrap_or(&serde_json::Value::Null));
            (was != is).then(|| AuditChange {
                field: name.clone(),
                before: was.map(|v| v.to_string()),
                after: is.map(|v| v.to_string()),
            })
        })
        .collect()
}

/// What a stored column refers to: the kind of object its number or code is the key of.
const REFERENCES: &[(&str, &str)] = &[
    ("department_id", "Department"),
    ("project_id", "Project"),
    ("fund_line_id", "FundLine"),
    ("allocation_id", "LedgerEntry"),
    ("reverses_id", "LedgerEntry"),
    ("plan_id", "AnnualPlan"),
    ("county_code", "Region"),
    ("township_code", "Region"),
    ("region_code", "Region"),
    ("parent_code", "Region"),
];

/// Stored columns whose API name is not their name in camel case.
const RENAMES: &[(&str, &str)] = &[
    ("planned_fen", "plannedAmount"),
    ("invested_fen", "investedAmount"),
    ("entry_date", "date"),
    ("allocation_id", "allocation"),
    ("reverses_id", "reverses"),
];

/// Columns that only serve queries (copies of other fields) and no API field shows.
const INTERNAL: &[&str] = &["entry_month"];

/// A stored row (or a plan's rows) as the API shows it. The audit trail keeps what the
/// database held; this is the one place its columns are put in the API's terms.
pub fn api_values(entity_type: &str, stored: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match stored {
        Value::Array(items) => Value::Array(items.into_iter().map(|v| api_values(entity_type, v)).collect()),
        Value::Object(row) => {
            let mut out = serde_json::Map::new();
            for (column, value) in row {
                if INTERNAL.contains(&column.as_str()) {
                    continue;
                }
                let (name, value) = api_field(entity_type, &column, value);
                out.insert(name, value);
            }
            Value::Object(out)
        }
        other => other,
    }
}

fn api_field(entity_type: &str, column: &str, value: serde_json::Value) -> (String, serde_json::Value) {
    use crate::domain::money::Money;
    use crate::domain::quantity::Quantity;
    use serde_json::Value;
    let renamed = RENAMES.iter().find(|(c, _)| *c == column).map(|(_, n)| n.to_string());
    if column == "id" && value.is_number() {
        return ("id".into(), Value::String(global_id(entity_type, &value).0));
    }
    if let Some((_, kind)) = REFERENCES.iter().find(|(c, _)| *c == column) {
        let name = renamed.unwrap_or_else(|| camel(column.rsplit_once('_').map_or(column, |(stem, _)| stem)));
        let value = match &value {
            Value::Number(n) => Value::String(global_id(kind, n).0),
            Value::String(code) => Value::String(global_id(kind, code).0),
            _ => value,
        };
        return (name, value);
    }
    if let Some(stem) = column.strip_suffix("_fen") {
        let value = value
            .as_i64()
            .map_or(value, |fen| Value::String(Money::from_fen(fen).to_string()));
        return (renamed.unwrap_or_else(|| camel(stem)), value);
    }
    if let Some(stem) = column.strip_suffix("_milli") {
        let value = value.as_i64().map_or(value, |milli| {
            Value::String(Quantity::from_milli(milli).to_decimal().to_string())
        });
        return (renamed.unwrap_or_else(|| camel(stem)), value);
    }
    if entity_type == "Project" {
        let beneficiary = match column {
            "beneficiary_households" => Some("households"),
            "beneficiary_people" => Some("people"),
            "poor_households" => Some("poorHouseholds"),
            "poor_people" => Some("poorPeople"),
            _ => None,
        };
        if let Some(field) = beneficiary {
            return (format!("beneficiaries.{field}"), value);
        }
        if column == "performance_targets"
            && let Value::String(text) = &value
            && let Ok(targets) = serde_json::from_str::<Value>(text)
        {
            return ("performanceTargets".into(), targets);
        }
    }
    (renamed.unwrap_or_else(|| camel(column)), value)
}

/// `planned_start` → `plannedStart`.
fn camel(column: &str) -> String {
    let mut out = String::with_capacity(column.len());
    let mut upper = false;
    for c in column.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Which entries of the audit trail to list; every condition given must hold.
#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    /// Only changes to this object (any global ID).
    pub entity: Option<ID>,
    /// Only changes to objects of this kind, e.g. `Project`; ignored when `entity` is given.
    pub entity_type: Option<String>,
    /// Only changes made by this user (the exact username).
    pub actor_username: Option<String>,
    /// Only changes of this kind.
    pub action: Option<AuditAction>,
    /// From this instant on.
    pub occurred_after: Option<DateTime>,
    /// Before this instant.
    pub occurred_before: Option<DateTime>,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit trail of your area, newest first (ADMIN, INSPECTOR).
    #[graphql(complexity = "cost(first, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Where to continue: the previous page's `pageInfo.endCursor`.")] after: Option<String>,
        #[graphql(desc = "Which entries; the whole trail of your area when left out.")] filter: Option<AuditLogFilter>,
    ) -> async_graphql::Result<ConnectionOf<AuditEntry>> {
        let actor = ctx.actor()?;
        let page = page_request::<i64>(first, after.clone())?;
        let f = filter.unwrap_or_default();
        let (entity_type, entity_id) = match &f.entity {
            Some(id) => {
                let (kind, key) = decode(id)
                    .ok_or_else(|| bad_input(format!("`{}` is not an ID issued by this API", id.as_str())))?;
                (Some(kind), Some(key))
            }
            None => (f.entity_type, None),
        };
        let filter = SvcFilter {
            entity_type,
            entity_id,
            actor_username: f.actor_username,
            action: f.action,
            occurred_after: f.occurred_after.map(|d| d.0),
            occurred_before: f.occurred_before.map(|d| d.0),
        };
        let rows = svc::list(ctx.db()?, actor, &filter, &page).await.api()?;
        Ok(connection(rows, after.is_some(), |e| e.id.to_string(), AuditEntry))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stored_rows_are_shown_in_the_apis_terms() {
        let stored = json!({"id": 7, "county_code": "990101000000", "budget_fen": 120000050,
            "planned_quantity_milli": 3500, "department_id": 2, "poor_households": 13,
            "planned_start": "2025-03-01", "performance_targets": "[{\"indicator\":\"x\"}]"});
        let shown = api_values("Project", stored);
        assert_eq!(
            shown,
            json!({"id": global_id("Project", 7).0, "county": global_id("Region", "990101000000").0,
                "budget": "1200000.50", "plannedQuantity": "3.5", "department": global_id("Department", 2).0,
                "beneficiaries.poorHouseholds": 13, "plannedStart": "2025-03-01",
                "performanceTargets": [{"indicator": "x"}]})
        );
        let entry = api_values(
            "LedgerEntry",
            json!({"entry_date": "2026-01-02", "entry_month": 1,
            "amount_fen": 5, "reverses_id": 3, "document_no": null}),
        );
        assert_eq!(
            entry,
            json!({"date": "2026-01-02", "amount": "0.05",
            "reverses": global_id("LedgerEntry", 3).0, "documentNo": null})
        );
    }

    #[test]
    fn changes_list_the_fields_that_differ() {
        let before = json!({"status": "SUBMITTED", "budget": "1.00", "version": 1});
        let after = json!({"status": "APPROVED", "budget": "1.00", "version": 2, "department": null});
        let found = changes(Some(&before), Some(&after));
        let fields: Vec<_> = found
            .iter()
            .map(|c| (c.field.as_str(), c.before.as_deref(), c.after.as_deref()))
            .collect();
        assert_eq!(
            fields,
            [
                ("status", Some("\"SUBMITTED\""), Some("\"APPROVED\"")),
                ("version", Some("1"), Some("2"))
            ]
        );
        // A creation lists every field, with no value before.
        let created = changes(None, Some(&after));
        assert_eq!(created.len(), 4);
        assert!(created.iter().all(|c| c.before.is_none()));
    }
}
