//! 异议 — an objection to a notice, and how it was resolved.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "disclosure_objection")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub disclosure_id: i64,
    pub received_on: Date,
    pub channel: String,
    /// Who objected (kept private: never shown on the public portal).
    pub objector: String,
    /// How to reach them (private).
    pub contact: Option<String>,
    pub content: String,
    pub resolved_on: Option<Date>,
    pub resolution: Option<String>,
    pub resolved_by: Option<String>,
    pub recorded_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
