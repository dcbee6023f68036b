//! 资金台账 — one append-only entry: a receipt (到位), an allocation (安排) or a
//! disbursement (拨付). A reversal is a new entry of the same kind with the negative
//! amount and `reverses_id` set.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "ledger_entry")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    pub fund_line_id: i64,
    pub county_code: String,
    pub year: i32,
    pub entry_date: Date,
    pub entry_month: i32,
    pub amount_fen: i64,
    pub project_id: Option<i64>,
    pub township_code: Option<String>,
    pub sector: Option<String>,
    /// For a disbursement: the allocation it pays out.
    pub allocation_id: Option<i64>,
    /// 文号 of a receipt, voucher number of a disbursement.
    pub document_no: Option<String>,
    /// 质保金 — whether a disbursement is the retention payment.
    pub is_retention: bool,
    pub reverses_id: Option<i64>,
    /// 计划外 — an allocation made outside the plan in force, confirmed with its reason.
    pub outside_plan: bool,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
