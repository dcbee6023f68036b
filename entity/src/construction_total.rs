//! 建设进度汇总 — the construction figures as dated changes: what the projects of a group
//! added to (or took from) its figures on a day. Each change is kept twice: under its day
//! (`day` 1–31 of `month`) and summed into its month (`day` 0), so that the figures as of
//! any day are the month rows before it plus the day rows of its month.
//!
//! Each change is also kept at two grains: per township and department (`township_code`
//! and `department_id`, 0 for none), and per county (`township_code` empty, `department_id`
//! 0), which is all a region's figures without those splits read.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "construction_total")]
pub struct Model {
    /// The projects' programme year.
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub township_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub county_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub sector: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub department_id: i64,
    /// The year-month of the change, as 202609.
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: i32,
    /// The day of the month, or 0 for the month's sum.
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: i32,
    pub project_count: i64,
    pub started_count: i64,
    pub completed_count: i64,
    pub completed_quantity_milli: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
