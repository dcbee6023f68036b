//! 资金线月汇总 — the sum of a fund line's entries of one kind in one year-month, kept in the
//! same transaction as each entry: a past day's money per county or fund kind reads a few
//! rows per line rather than its townships' and sectors' (`ledger_total`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "fund_line_month_total")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub fund_line_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub entry_month: i32,
    pub county_code: String,
    pub year: i32,
    pub amount_fen: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
