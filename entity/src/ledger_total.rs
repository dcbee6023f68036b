//! 资金台账汇总 — the sum of the ledger's entries per fund line, kind, township, sector and
//! month, kept in the same transaction as each entry. Receipts (no project) have the
//! empty string for township and sector.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "ledger_total")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub fund_line_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub township_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub sector: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub entry_month: i32,
    pub county_code: String,
    pub year: i32,
    pub amount_fen: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
