//! 扶贫项目 — a poverty-alleviation construction project. Quantities are thousandths of
//! the sector's unit, money is fen; enumerations are text parsed by the domain.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "project")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub county_code: String,
    pub code: String,
    pub name: String,
    pub sector: String,
    /// 项目类别 — what it builds or buys, which the negative list is written in.
    pub category: String,
    pub year: i32,
    pub township_code: String,
    pub construction_nature: String,
    pub content: String,
    pub planned_quantity_milli: i64,
    pub budget_fen: i64,
    pub beneficiary_households: i32,
    pub beneficiary_people: i32,
    pub poor_households: i32,
    pub poor_people: i32,
    /// JSON array of `{indicator, unit, target}`.
    pub performance_targets: String,
    pub department_id: Option<i64>,
    pub claim_deadline: Option<Date>,
    pub planned_start: Option<Date>,
    pub planned_finish: Option<Date>,
    pub actual_start: Option<Date>,
    pub actual_finish: Option<Date>,
    pub final_quantity_milli: Option<i64>,
    pub acceptance_grade: Option<String>,
    pub status: String,
    pub version: i32,
    /// 已安排 — Σ allocations to the project, kept with the ledger (not part of `version`).
    pub allocated_fen: i64,
    /// 已拨付 — Σ disbursements to the project, kept with the ledger.
    pub disbursed_fen: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
