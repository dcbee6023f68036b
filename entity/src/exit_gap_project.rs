//! A project that closes a gap: its acceptance meets the gap's indicator.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "exit_gap_project")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub gap_id: i64,
    pub project_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
