//! 进度填报 — one construction progress report: the cumulative quantity completed and
//! amount invested on a date, based on the project version the department saw.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "progress_report")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: i64,
    pub based_on_version: i32,
    /// Cumulative, in thousandths of the sector's unit.
    pub completed_quantity_milli: i64,
    /// Cumulative, in fen.
    pub invested_fen: i64,
    pub reported_on: Date,
    pub note: Option<String>,
    /// Whether the report corrects an earlier one downwards.
    pub is_correction: bool,
    pub reported_by: String,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
