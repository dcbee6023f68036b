//! 负面清单 — a county's own entry: money of a fund kind may not pay for a project category.
//! The national entries are `domain::category::NATIONAL`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "negative_list_entry")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub county_code: String,
    pub category: String,
    pub fund_kind: String,
    /// 依据 — the document that bars it.
    pub source: String,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
