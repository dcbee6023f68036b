//! 变更推送 — one change a subscription can follow, written in the change's transaction.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change_event")]
pub struct Model {
    /// The cursor: changes are numbered as they are written.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// STATUS, PROGRESS or MONEY.
    pub change: String,
    /// The lifecycle action, or the ledger entry's kind.
    pub detail: String,
    pub project_id: Option<i64>,
    pub ledger_entry_id: Option<i64>,
    pub county_code: String,
    pub township_code: Option<String>,
    /// The business day of the change.
    pub occurred_on: Date,
    pub recorded_at: DateTimeUtc,
    /// The server process that wrote it.
    pub origin: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
