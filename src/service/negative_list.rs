//! 负面清单 — a county's negative list: the national entries (`domain::category::NATIONAL`),
//! which bind every county, and the county's own, which its finance bureau adds and takes
//! out, each with the document that bars it.
use super::audit::{self, Change};
use super::{ServiceError, ServiceResult, begin_write, is_unique_violation};
use crate::domain::access::{Actor, Operation, authorize};
use crate::domain::audit::AuditAction;
use crate::domain::category::{self, Barred, ProjectCategory};
use crate::domain::fault::{ErrorCode, Fault, MAX_NOTE_CHARS, optional_text, required_text};
use crate::domain::funds::FundKind;
use crate::domain::region::RegionCode;
use chrono::{DateTime, Utc};
use entity::negative_list_entry;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};

/// A county's own entry to add.
#[derive(Clone, Debug)]
pub struct EntryInput {
    pub county_code: String,
    pub category: ProjectCategory,
    pub fund_kind: FundKind,
    /// 依据 — the document that bars it.
    pub source: String,
    pub note: Option<String>,
}

/// An entry of a county's list as it is read: national, or the county's own row.
#[derive(Clone, Debug)]
pub struct ListedEntry {
    pub barred: Barred,
    /// The county's own row; `None` for a national entry.
    pub row: Option<negative_list_entry::Model>,
}

impl ListedEntry {
    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        self.row.as_ref().map(|r| r.created_at)
    }
}

pub fn barred_of(row: &negative_list_entry::Model) -> ServiceResult<Barred> {
    Ok(Barred {
        category: ProjectCategory::parse(&row.category)
            .ok_or_else(|| ServiceError::Internal(format!("unknown category {}", row.category)))?,
        fund_kind: super::funds::stored_kind(&row.fund_kind)?,
        source: row.source.clone(),
    })
}

/// The county's own entries, for the rule (the national ones are the rule's own).
pub async fn county_entries(conn: &impl ConnectionTrait, county_code: &str) -> ServiceResult<Vec<Barred>> {
    negative_list_entry::Entity::find()
        .filter(negative_list_entry::Column::CountyCode.eq(county_code))
        .all(conn)
        .await?
        .iter()
        .map(barred_of)
        .collect()
}

fn county_of(actor: &Actor, operation: Operation, raw: &str) -> ServiceResult<RegionCode> {
    super::regions::county_in_reach(actor, operation, raw, "negative lists")
}

/// A county's negative list: the national entries, then its own in the order added.
pub async fn list(db: &DatabaseConnection, actor: &Actor, county_code: &str) -> ServiceResult<Vec<ListedEntry>> {
    authorize(actor, Operation::ViewFunds)?;
    let county = county_of(actor, Operation::ViewFunds, county_code)?;
    let mut entries: Vec<ListedEntry> = category::national()
        .into_iter()
        .map(|barred| ListedEntry { barred, row: None })
        .collect();
    let rows = negative_list_entry::Entity::find()
        .filter(negative_list_entry::Column::CountyCode.eq(county.as_str()))
        .order_by_asc(negative_list_entry::Column::Id)
        .all(db)
        .await?;
    for row in rows {
        entries.push(ListedEntry {
            barred: barred_of(&row)?,
            row: Some(row),
        });
    }
    Ok(entries)
}

/// Adds a county's own entry: money of the kind may no longer pay for the category there.
pub async fn add(
    db: &DatabaseConnection,
    actor: &Actor,
    input: EntryInput,
) -> ServiceResult<negative_list_entry::Model> {
    authorize(actor, Operation::ManageFundRules)?;
    let county = county_of(actor, Operation::ManageFundRules, &input.county_code)?;
    let source = required_text("source", "the document that bars it (依据)", &input.source, 200)?;
    let note = optional_text("note", "a note", input.note.as_deref(), MAX_NOTE_CHARS)?;
    if category::nationally_barred(input.category, input.fund_kind) {
        return Err(Fault::new(
            ErrorCode::AlreadyExists,
            &["input", "category"],
            format!(
                "the national negative list already bars {} for {}",
                input.category.chinese_name(),
                input.fund_kind.chinese_name()
            ),
        )
        .into());
    }
    let txn = begin_write(db).await?;
    let inserted = negative_list_entry::Entity::insert(negative_list_entry::ActiveModel {
        county_code: Set(county.to_string()),
        category: Set(input.category.as_str().to_string()),
        fund_kind: Set(input.fund_kind.as_str().to_string()),
        source: Set(source),
        note: Set(note),
        created_by: Set(actor.username.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec_with_returning(&txn)
    .await;
    let row = match inserted {
        Ok(row) => row,
        Err(e) if is_unique_violation(&e) => {
            return Err(Fault::new(
                ErrorCode::AlreadyExists,
                &["input", "category"],
                format!(
                    "county {county}'s list already bars {} for {}",
                    input.category.chinese_name(),
                    input.fund_kind.chinese_name()
                ),
            )
            .into());
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &txn,
        actor,
        Change {
            action: AuditAction::NegativeListAdd,
            entity_type: "NegativeListEntry",
            entity_id: row.id.to_string(),
            region_code: Some(county.to_string()),
            before: None,
            after: audit::json(&row),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Takes a county's own entry out; national entries cannot be.
pub async fn remove(db: &DatabaseConnection, actor: &Actor, id: i64) -> ServiceResult<negative_list_entry::Model> {
    authorize(actor, Operation::ManageFundRules)?;
    let txn = begin_write(db).await?;
    let row = negative_list_entry::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| Fault::not_found("entry", "there is no such entry of a county's negative list"))?;
    county_of(actor, Operation::ManageFundRules, &row.county_code)?;
    negative_list_entry::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        actor,
        Change {
            action: AuditAction::NegativeListRemove,
            entity_type: "NegativeListEntry",
            entity_id: row.id.to_string(),
            region_code: Some(row.county_code.clone()),
            before: audit::json(&row),
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}
