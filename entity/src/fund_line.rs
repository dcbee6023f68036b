//! 资金项 — one named source of money for one county and year.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "fund_line")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub county_code: String,
    pub year: i32,
    pub name: String,
    pub kind: String,
    pub level: String,
    /// 年计划, in fen, as the line was created (the approved annual plan may set another).
    pub planned_fen: i64,
    /// Whether its money must reach poverty villages or registered poor households.
    pub poverty_targeted: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
