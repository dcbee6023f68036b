//! One item of a monthly task list: what will be done and the result planned, its
//! follow-up and its outcome.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "task_list_item")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub list_id: i64,
    pub position: i32,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    #[sea_orm(column_type = "Text")]
    pub planned_result: String,
    pub project_id: Option<i64>,
    /// A rectification problem the item works on.
    pub issue_id: Option<i64>,
    /// 跟单 — the mid-month progress note.
    pub follow_up_note: Option<String>,
    pub on_track: Option<bool>,
    pub followed_up_on: Option<Date>,
    /// 清单 — DONE, PARTLY or NOT_DONE.
    pub outcome: Option<String>,
    pub outcome_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
