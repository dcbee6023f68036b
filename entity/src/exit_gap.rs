//! 缺项清单 — a village's gap on an indicator, handed out to a department to close.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "exit_gap")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub county_code: String,
    pub village_code: String,
    pub indicator_code: String,
    /// OPEN, ASSIGNED, CLAIMED or CLOSED.
    pub status: String,
    pub opened_on: Date,
    pub department_id: Option<i64>,
    pub deadline: Option<Date>,
    pub assigned_on: Option<Date>,
    pub claimed_on: Option<Date>,
    pub closed_on: Option<Date>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
