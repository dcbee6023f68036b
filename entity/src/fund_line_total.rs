//! 资金线汇总 — the sum of a fund line's entries of one kind, kept in the same transaction
//! as each entry.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "fund_line_total")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub fund_line_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    pub county_code: String,
    pub year: i32,
    pub amount_fen: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
