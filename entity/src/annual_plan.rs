//! 年度计划 — one version of a county's annual plan; an approved version is locked.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "annual_plan")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub county_code: String,
    pub year: i32,
    pub version: i32,
    pub status: String,
    pub approved_at: Option<DateTimeUtc>,
    pub approved_by: Option<String>,
    /// 文号 — the document that set or adjusted the plan.
    pub document_no: Option<String>,
    /// Why this version adjusts the one before it.
    pub reason: Option<String>,
    /// The day it was approved (its business date): the plan in force on a day is the
    /// latest version approved by then.
    pub approved_on: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
