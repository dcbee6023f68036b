//! A sector's targets in one version of the annual plan (道路计划建设xx公里).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "annual_plan_sector")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub plan_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub sector: String,
    pub target_quantity_milli: i64,
    pub target_project_count: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
