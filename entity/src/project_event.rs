//! One step of a project's lifecycle: who moved it from which state to which, and with
//! what (reason, date, milestone, grade, department, quantity).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "project_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: i64,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_id: Option<i64>,
    pub actor_username: String,
    pub actor_role: String,
    pub occurred_at: DateTimeUtc,
    pub comment: Option<String>,
    pub event_date: Option<Date>,
    /// The day the step happened (its business date, China time).
    pub happened_on: Date,
    pub milestone: Option<String>,
    pub grade: Option<String>,
    pub department_id: Option<i64>,
    pub quantity_milli: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
