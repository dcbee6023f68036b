//! 问题整改台账 — one problem: where it came from, what it concerns (`rectification_concern`),
//! the unit that rectifies it, by when, and where it stands.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "rectification_issue")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub county_code: String,
    pub source: String,
    /// 批次 — the feedback it came in, e.g. "2026年省市反馈问题".
    pub batch: String,
    pub batch_document_no: Option<String>,
    pub batch_date: Option<Date>,
    pub category: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// The responsible unit: a department, or else a township.
    pub unit_department_id: Option<i64>,
    pub unit_township_code: Option<String>,
    /// 责任人, as the ledger names them.
    pub responsible_person: String,
    pub responsible_user_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub measures: String,
    pub deadline: Date,
    /// 长效机制 — whether rectifying it needs a lasting rule, not only a fix.
    pub lasting_mechanism: bool,
    pub status: String,
    /// The day it was filed (its first event's day).
    pub filed_on: Date,
    pub version: i32,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
